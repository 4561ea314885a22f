import {UserError} from '../../errors.js'

// What a network's resolver is told and what containers are told about it. Pure: text only.
//
// Each user-defined bridge network gets one dnsmasq on its gateway address (port 53, udp and
// tcp). Its names live under `<network>.dns.minirun`, one hosts file per container in a
// directory dnsmasq watches (inotify: a file written or removed is picked up at once, no restart).

export const DNS_DOMAIN = 'dns.minirun'

/**
 * Which networks have a resolver: user-defined bridges (the default bridge has no names, as in
 * Docker; nor the CNI plugin's: the runtime sets pods' DNS) and overlays, whose every host runs
 * one on its own bridge's gateway.
 */
export const hasResolver = (net: {driver: string; isDefault?: boolean; noResolver?: boolean}): boolean => (net.driver === 'bridge' || net.driver === 'overlay') && !net.isDefault && !net.noResolver

/** A network's DNS zone: `<network>.dns.minirun`, its name made a valid DNS label sequence. */
export function networkDomain(network: string): string {
  return `${network.toLowerCase().replace(/_/g, '-')}.${DNS_DOMAIN}`
}

/** Nameservers of the host's resolv.conf the resolver can forward to: loopback ones are skipped. */
export function upstreamServers(hostResolvConf: string): string[] {
  const out: string[] = []
  for (const raw of hostResolvConf.split('\n')) {
    const [word, value] = raw.trim().split(/\s+/)
    if (word !== 'nameserver' || !value) continue
    // the host's own 127.0.0.53 (systemd-resolved) or ::1 would be this dnsmasq's loopback too
    if (value.startsWith('127.') || value === '::1' || !/^[0-9a-fA-F.:]+$/.test(value)) continue
    if (!out.includes(value)) out.push(value)
  }
  return out
}

export interface ResolverFiles {
  /** hosts files, one per container (the directory dnsmasq watches) */
  hostsDir: string
  pidFile: string
  logFile: string
}

/**
 * dnsmasq's configuration for one network: only the gateway address, only DNS (no DHCP), only
 * names from `hostsDir` for its own zone, everything else forwarded to the host's upstreams.
 */
export function resolverConf(o: {network: string; gateway: string; upstreams: string[]; files: ResolverFiles}): string {
  const zone = networkDomain(o.network)
  const lines = [
    `# minirun: the resolver of network ${o.network}`,
    // bound to the gateway address alone, so one dnsmasq per network shares port 53
    'port=53',
    `listen-address=${o.gateway}`,
    'bind-interfaces',
    'except-interface=lo',
    // upstreams from the host's resolv.conf, given here: dnsmasq never reads a resolv.conf itself
    'no-resolv',
    ...o.upstreams.map((s) => `server=${s}`),
    // names: the containers' hosts files only, never the host's /etc/hosts
    'no-hosts',
    `hostsdir=${o.files.hostsDir}`,
    `domain=${zone}`,
    'expand-hosts',
    `local=/${zone}/`,
    // other networks' zones are never answered here (a container on two networks asks its own
    // forwarder, forwarderConf), nor sent upstream
    `local=/${DNS_DOMAIN}/`,
    // never forward bare names or reverse lookups of private addresses (the containers')
    'domain-needed',
    'bogus-priv',
    'local-ttl=0',
    `pid-file=${o.files.pidFile}`,
    `log-facility=${o.files.logFile}`,
    // root only to bind port 53 and write the pid file; it answers as nobody
    'user=nobody',
    'group=nogroup',
  ]
  return lines.join('\n') + '\n'
}

/** A container's hosts file in the network's directory: its address and every name it answers to. */
export function hostsEntry(ip: string, names: string[]): string {
  const ok = [...new Set(names.filter(isDnsName))]
  return ok.length === 0 ? '' : `${ip}\t${ok.join(' ')}\n`
}

/** Names minirun hands dnsmasq: container names, ids, hostnames and aliases are already validated; this is the last guard. */
export function isDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(name) && !name.includes('..')
}

/**
 * A container on two or more networks with a resolver gets a forwarder of its own, as Docker's
 * 127.0.0.11: a dnsmasq inside its network namespace that asks each network's resolver for that
 * network's names. The networks' resolvers never forward to one another: dnsmasq cannot choose
 * upstreams by client, so one member on A and B would let every member of A resolve B's names.
 */
export const FORWARDER_ADDRESS = '127.0.0.11'

/** A network a container asks names of: its resolver's gateway, and the container's address on it. */
export interface ResolverNetwork {
  network: string
  gateway: string
  ip: string
  prefixLen: number
}

export const needsForwarder = (resolvers: unknown[]): boolean => resolvers.length > 1

export interface ForwarderFiles {
  /** the upstreams per zone (re-read on SIGHUP: `network connect` changes them without a restart) */
  serversFile: string
  pidFile: string
  logFile: string
}

/**
 * The forwarder's dnsmasq: 127.0.0.11 inside the container's namespace only, on a high `port`
 * that forwarderRedirect sends port 53 to (as Docker's embedded DNS: the container keeps port 53
 * for a server of its own), no DHCP, no hosts, no cache (a name that goes must go at once); which
 * server answers what is in the servers file (forwarderServers).
 */
export function forwarderConf(o: {container: string; port: number; files: ForwarderFiles}): string {
  const lines = [
    `# minirun: the DNS forwarder of container ${o.container}, in its network namespace`,
    `port=${o.port}`,
    `listen-address=${FORWARDER_ADDRESS}`,
    'bind-interfaces',
    'no-resolv',
    'no-hosts',
    `servers-file=${o.files.serversFile}`,
    // a zone under dns.minirun that is none of the container's networks': not found, asked nowhere
    `local=/${DNS_DOMAIN}/`,
    'cache-size=0',
    `pid-file=${o.files.pidFile}`,
    `log-facility=${o.files.logFile}`,
    'user=nobody',
    'group=nogroup',
  ]
  return lines.join('\n') + '\n'
}

/**
 * nft, inside the container's namespace: what its processes send to 127.0.0.11:53 goes to the
 * forwarder's port (conntrack turns the answers back into port 53's). The container, without
 * CAP_NET_ADMIN, can neither see nor change it; the table goes with the namespace.
 */
export function forwarderRedirect(port: number): string {
  const t = 'ip minirun_dns'
  return [
    `add table ${t}`,
    `add chain ${t} output { type nat hook output priority -100; policy accept; }`,
    `flush chain ${t} output`,
    ...['udp', 'tcp'].map((p) => `add rule ${t} output ip daddr ${FORWARDER_ADDRESS} ${p} dport 53 dnat to ${FORWARDER_ADDRESS}:${port}`),
  ].join('\n') + '\n'
}

/**
 * The forwarder's servers file: each network's zone and reverse zone to that network's resolver
 * (asked from the container's address on it, which the nft input rule lets through); everything
 * else to the first network's resolver, which forwards it upstream.
 */
export function forwarderServers(resolvers: ResolverNetwork[]): string {
  const lines: string[] = []
  for (const r of resolvers) {
    lines.push(`server=/${networkDomain(r.network)}/${r.gateway}`)
    for (const zone of reverseZones(r.ip, r.prefixLen)) lines.push(`server=/${zone}/${r.gateway}`)
  }
  lines.push(`server=${resolvers[0].gateway}`)
  return lines.join('\n') + '\n'
}

/**
 * The in-addr.arpa zones that cover exactly the subnet of `ip`/`prefixLen`: one per block of the
 * next whole octet (a /20 is 16 /24 zones; at most 128 for any prefix).
 */
export function reverseZones(ip: string, prefixLen: number): string[] {
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0)
  const octets = Math.min(4, Math.max(1, Math.ceil(prefixLen / 8)))
  const span = 2 ** (32 - Math.max(prefixLen, 1))
  const base = n - (n % span)
  const step = 2 ** (32 - octets * 8)
  const zones: string[] = []
  for (let a = base; a < base + span; a += step) {
    const parts = [24, 16, 8, 0].map((s) => Math.floor(a / 2 ** s) % 256).slice(0, octets)
    zones.push(`${parts.reverse().join('.')}.in-addr.arpa`)
  }
  return zones
}

export interface DnsSettings {
  /** --dns */
  servers?: string[]
  /** --dns-search */
  search?: string[]
  /** --dns-option */
  options?: string[]
}

/**
 * /etc/resolv.conf of a container whose networks have resolvers (`resolvers`, its primary one
 * first; every one's zone is searched): on one network its resolver on the gateway, on several
 * its own forwarder on 127.0.0.11, as Docker's; ndots:0 so a bare name is asked as it is first. --dns replaces the nameserver (the container
 * then resolves container names only if those servers do); --dns-search and --dns-option add to it.
 */
export function containerResolvConf(resolvers: Array<{network: string; gateway: string}>, dns: DnsSettings): string {
  const servers = dns.servers?.length ? dns.servers : [needsForwarder(resolvers) ? FORWARDER_ADDRESS : resolvers[0].gateway]
  const search = [...new Set([...resolvers.map((r) => networkDomain(r.network)), ...(dns.search ?? []).filter((s) => s !== '.')])]
  const options = dns.options?.some((o) => o.startsWith('ndots:')) ? dns.options : ['ndots:0', ...(dns.options ?? [])]
  return [...servers.map((s) => `nameserver ${s}`), `search ${search.join(' ')}`, `options ${options.join(' ')}`].join('\n') + '\n'
}

/** A resolv.conf without resolvers of ours (default bridge, host): Docker's --dns flags replace its lines of each kind. */
export function withDnsSettings(resolvConf: string, dns: DnsSettings): string {
  const lines = resolvConf.split('\n').filter(Boolean)
  const keep = (word: string[], given: string[] | undefined, make: () => string[]) => (given?.length ? make() : lines.filter((l) => word.includes(l.split(/\s+/)[0])))
  const search = (dns.search ?? []).filter((s) => s !== '.')
  return [
    ...keep(['nameserver'], dns.servers, () => dns.servers!.map((s) => `nameserver ${s}`)),
    // --dns-search . means no search domain at all
    ...keep(['search', 'domain'], dns.search, () => (search.length ? [`search ${search.join(' ')}`] : [])),
    ...keep(['options'], dns.options, () => [`options ${dns.options!.join(' ')}`]),
  ].join('\n') + '\n'
}

/** --dns, --dns-search, --dns-option as typed: each checked before it reaches a file. */
export function parseDnsSettings(f: {dns?: string[]; 'dns-search'?: string[]; 'dns-option'?: string[]}): DnsSettings | undefined {
  const bad = (flag: string, v: string, want: string): never => {
    throw new UserError(`invalid ${flag} "${v.slice(0, 80)}": ${want}`)
  }
  for (const s of f.dns ?? []) if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/.test(s) || (s.includes('.') && !s.includes(':') && s.split('.').some((o) => Number(o) > 255))) bad('--dns', s, 'give a nameserver address, e.g. 192.0.2.53')
  for (const s of f['dns-search'] ?? []) if (s !== '.' && !isDnsName(s)) bad('--dns-search', s, 'give a domain, e.g. example.com (or . for none)')
  for (const s of f['dns-option'] ?? []) if (!/^[A-Za-z0-9_-]+(:[0-9]+)?$/.test(s)) bad('--dns-option', s, 'give a resolv.conf option, e.g. ndots:2 or edns0')
  if (!f.dns?.length && !f['dns-search']?.length && !f['dns-option']?.length) return undefined
  return {servers: f.dns, search: f['dns-search'], options: f['dns-option']}
}

/** --network-alias values: DNS names. */
export function parseNetworkAliases(aliases: string[]): string[] {
  for (const a of aliases) if (!isDnsName(a) || a.length > 63 * 2) throw new UserError(`invalid --network-alias "${a.slice(0, 80)}": use letters, digits, "_", "-" and "."`)
  return aliases
}
