// The text of a container's /etc/hosts and /etc/resolv.conf. Pure.

export interface HostsInput {
  hostname: string
  /** the container's address; absent with --network none */
  ip?: string
  /** other containers on its user-defined networks: name resolution without a DNS server */
  peers: Array<{ip: string; names: string[]}>
}

/** Docker's /etc/hosts: loopback and IPv6 boilerplate, then the container's own line, then peers. */
export function hostsFile(o: HostsInput): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ]
  // As Docker, the hostname maps to the container's address, so `hostname -i` prints it. Without
  // an address (--network none) it maps to loopback, so resolving it never waits on DNS.
  lines.push(`${o.ip ?? '127.0.0.1'}\t${o.hostname}`)
  const seen = new Set([o.hostname])
  for (const p of o.peers) {
    const names = [...new Set(p.names.filter((n) => n && !/\s/.test(n) && !seen.has(n)))]
    if (names.length === 0) continue
    for (const n of names) seen.add(n)
    lines.push(`${p.ip}\t${names.join(' ')}`)
  }
  return lines.join('\n') + '\n'
}

/** Docker's fallback when the host has no nameserver a container can reach. */
export const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4']

/**
 * The container's resolv.conf from the host's: nameserver, search, domain and options lines are
 * kept; nameservers on loopback (127.0.0.0/8, ::1 — e.g. systemd-resolved's 127.0.0.53) are dropped
 * because they would be the container's own loopback, and IPv6 ones because containers have IPv4
 * only (Docker does the same without --ipv6). None left → Docker's defaults 8.8.8.8 / 8.8.4.4.
 */
export function resolvConf(hostResolvConf: string): string {
  const keep: string[] = []
  let servers = 0
  for (const raw of hostResolvConf.split('\n')) {
    const line = raw.trim()
    const [word, value] = line.split(/\s+/)
    if (word === 'nameserver') {
      if (!value || value.startsWith('127.') || value.includes(':')) continue
      servers++
      keep.push(`nameserver ${value}`)
    } else if (word === 'search' || word === 'domain' || word === 'options') {
      keep.push(line.replace(/\s+/g, ' '))
    }
  }
  if (servers === 0) keep.unshift(...DEFAULT_NAMESERVERS.map((s) => `nameserver ${s}`))
  return keep.join('\n') + '\n'
}
