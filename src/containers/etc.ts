import fs from 'node:fs/promises'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {note, phase} from '../kernel/runner.js'
import {hasResolver} from '../networks/dns/config.js'
import {hostsFile} from '../networks/etc-files.js'
import {driverFor} from '../networks/drivers/index.js'
import {readNetwork} from '../networks/records.js'
import {paths} from '../state/paths.js'
import {dnsSettingsOf, networksOf, resolvFor, syncNames} from './dns-names.js'
import {listContainers} from './find.js'
import {type ContainerRecord, readRecord} from './record.js'

// /etc/hosts, /etc/hostname and /etc/resolv.conf of a container live in its state dir and are
// bind-mounted over the image's. /etc/hosts holds the container's own names (and --add-host).
// Containers of a user-defined bridge find each other by DNS: the network's resolver
// (networks/dns/), which their /etc/resolv.conf names. On user-defined networks without one
// (macvlan, CNI: their gateway is not the host's), every member's /etc/hosts is rewritten in
// place (same inode: it is a bind mount) whenever a member joins or leaves.

export const etcFile = (id: string, name: 'hosts' | 'hostname' | 'resolv.conf') => path.join(paths.container(id), name)

/** The networks among `names` whose members find each other through /etc/hosts: user-defined, without a resolver. */
async function hostsNamed(names: string[]): Promise<string[]> {
  const out: string[] = []
  for (const name of names) {
    const net = await readNetwork(name)
    if (net && !net.isDefault && !hasResolver(net) && (await driverFor(net.driver)).capabilities.names) out.push(name)
  }
  return out
}

/** The networks whose members see `rec` by name: its own, or its namespace owner's. */
export async function networkNamesOf(rec: ContainerRecord): Promise<string[]> {
  return Object.keys(rec.netnsOwner ? (await readRecord(rec.netnsOwner).catch(() => undefined))?.networks ?? {} : rec.networks)
}

async function peersOf(rec: ContainerRecord, all: ContainerRecord[]) {
  const peers: Array<{ip: string; names: string[]}> = []
  const self = rec.netnsOwner ?? rec.id
  for (const netName of await hostsNamed(Object.keys(networksOf(rec, all)))) {
    for (const other of all) {
      if (other.id === rec.id || other.state.status === 'exited') continue
      const oatt = networksOf(other, all)[netName]
      // those in the same namespace are not peers: they are 127.0.0.1 and the container's own line
      if (!oatt || (other.netnsOwner ?? other.id) === self) continue
      peers.push({ip: oatt.ip, names: [...new Set([other.name, ...oatt.aliases, other.id.slice(0, 12)])]})
    }
  }
  return peers
}

async function hostsFor(rec: ContainerRecord, all: ContainerRecord[]): Promise<string> {
  if (rec.hostConfig.networkMode === 'host') return fs.readFile('/etc/hosts', 'utf8').catch(() => hostsFile({hostname: rec.config.hostname, peers: []}))
  // --add-host lines come first, as Docker writes them; host-gateway is the primary network's gateway.
  // A pod member shares its pod's entries, as it shares its network.
  const primary = Object.values(networksOf(rec, all))[0]
  const gateway = primary?.gateway
  const owner = rec.netnsOwner ? all.find((o) => o.id === rec.netnsOwner) : undefined
  const extraHosts = rec.hostConfig.extraHosts?.length || !rec.hostConfig.pod ? rec.hostConfig.extraHosts : owner?.hostConfig.extraHosts
  const extra = (extraHosts ?? []).map((h) => h.split(/:(?=[^:]*$)/)).map(([name, ip]) => ({ip: ip === 'host-gateway' ? gateway ?? '127.0.0.1' : ip, names: [name]}))
  return hostsFile({hostname: rec.config.hostname, ip: primary?.ip, peers: [...extra, ...(await peersOf(rec, all))]})
}

export async function writeEtcFiles(rec: ContainerRecord): Promise<void> {
  // The other containers are needed for a namespace owner's networks and for networks named through /etc/hosts.
  const all = rec.netnsOwner || (await hostsNamed(Object.keys(rec.networks))).length > 0 ? await listContainers() : []
  const hosts = await hostsFor(rec, all)
  const resolv = await resolvFor(rec, await dnsSettingsOf(rec, all), undefined, all)
  const hostname = rec.config.hostname
  for (const [name, text] of [['hosts', hosts], ['hostname', hostname + '\n'], ['resolv.conf', resolv]] as const) {
    const why = name === 'hosts' ? "the container's /etc/hosts (bind-mounted over the image's)" : name === 'resolv.conf' ? "the container's /etc/resolv.conf: its network's resolver, or the host's nameservers" : undefined
    note(`cat > ${etcFile(rec.id, name)} <<'EOF'\n${text.replace(/\n$/, '')}\nEOF`, why)
    writeFileSync(etcFile(rec.id, name), text)
  }
}

/** Someone joined or left `networks`: their resolvers' names (dns-names.ts), or their members' /etc/hosts. */
export async function refreshHosts(networks: string[]): Promise<void> {
  await syncNames(networks)
  const named = await hostsNamed(networks)
  if (named.length === 0) return
  const all = await listContainers()
  for (const rec of all) {
    if (rec.state.status === 'exited' || !Object.keys(networksOf(rec, all)).some((n) => named.includes(n))) continue
    const file = etcFile(rec.id, 'hosts')
    const text = await hostsFor(rec, all)
    if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === text) continue
    phase('names', `name resolution on ${named.join(', ')}: the other members' /etc/hosts`)
    note(`cat > ${file} <<'EOF'\n${text.replace(/\n$/, '')}\nEOF`, `${rec.name}'s /etc/hosts, rewritten in place (same inode: it is bind-mounted): the names on ${named.join(', ')} now`)
    // Truncate and rewrite the same inode: a rename would leave the bind mount on the old file.
    // Never create it: a container being removed meanwhile must not get its file back (r+).
    await rewriteInPlace(file, text).catch(() => {})
  }
}

async function rewriteInPlace(file: string, text: string): Promise<void> {
  const fh = await fs.open(file, 'r+')
  try {
    await fh.truncate(0)
    await fh.write(text, 0)
  } finally {
    await fh.close()
  }
}
