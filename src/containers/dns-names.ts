import fs from 'node:fs/promises'
import path from 'node:path'
import {phase} from '../kernel/runner.js'
import {containerResolvConf, hasResolver, hostsEntry, needsForwarder, withDnsSettings, type DnsSettings, type ResolverNetwork} from '../networks/dns/config.js'
import {resolvConf} from '../networks/etc-files.js'
import {readNetwork, type NetworkRecord} from '../networks/records.js'
import {withLock} from '../state/lock.js'
import {paths} from '../state/paths.js'
import {listContainers} from './find.js'
import type {NetworkAttachment} from '../networks/driver.js'
import type {Rollback} from '../kernel/rollback.js'
import type {ContainerRecord} from './record.js'

// What the resolvers of user-defined networks (networks/dns/) answer, read from the container
// records: for each live container on a network, one hosts file with its address and names. The
// records are the truth, so every change (run, rm, network connect/disconnect, rename, pods) is
// one call, syncNames(its networks), which makes the files match them again.

type Nets = (name: string) => Promise<NetworkRecord | undefined>

function cachedNetworks(): Nets {
  const cache = new Map<string, Promise<NetworkRecord | undefined>>()
  return (name) => {
    if (!cache.has(name)) cache.set(name, readNetwork(name).catch(() => undefined))
    return cache.get(name)!
  }
}

/** The attachments a container is reached by: its own, or (container: mode, pods) its namespace owner's. */
export function networksOf(rec: ContainerRecord, all: ContainerRecord[]): ContainerRecord['networks'] {
  return rec.netnsOwner ? all.find((o) => o.id === rec.netnsOwner)?.networks ?? {} : rec.networks
}

/** The networks of `rec` that have a resolver, its primary one first: the ones it asks and searches. */
async function resolversOf(rec: ContainerRecord, nets: Nets, all: ContainerRecord[]): Promise<ResolverNetwork[]> {
  const out: ResolverNetwork[] = []
  for (const [network, att] of Object.entries(networksOf(rec, all))) {
    const net = await nets(network)
    if (net && hasResolver(net)) out.push({network, gateway: att.gateway, ip: att.ip, prefixLen: att.prefixLen})
  }
  return out
}

/**
 * A container on two or more networks with a resolver gets its own DNS forwarder in its network
 * namespace (networks/dns/forwarder.ts), before its command starts; `rb` stops it if the start
 * fails. Nothing to do for a container on one network or sharing another's namespace.
 */
export async function startForwarder(rec: ContainerRecord, rb: Rollback): Promise<void> {
  if (!rec.netns || rec.netnsOwner || Object.keys(rec.networks).length < 2) return
  const resolvers = await resolversOf(rec, cachedNetworks(), [])
  if (needsForwarder(resolvers)) await withLock(async () => (await import('../networks/dns/forwarder.js')).syncForwarder(rec.id, rec.netns!, resolvers, rb))
}

/**
 * The names a container answers to on a network: its name, short id and hostname; the aliases
 * of its own attachment (--network-alias); a pod's name for its pause container. A pod member
 * has the pod's address, under its own name.
 */
export function namesOf(rec: ContainerRecord, att: NetworkAttachment): string[] {
  const names = [rec.name, rec.id.slice(0, 12), rec.config.hostname]
  if (!rec.netnsOwner) names.push(...att.aliases)
  if (rec.hostConfig.pod && !rec.netnsOwner && rec.name === `${rec.hostConfig.pod}-infra`) names.push(rec.hostConfig.pod)
  return names
}

/** The container's /etc/resolv.conf: its network's resolver when it has one, else the host's nameservers. */
export async function resolvFor(rec: ContainerRecord, dns: DnsSettings = rec.hostConfig.dns ?? {}, nets: Nets = cachedNetworks(), all: ContainerRecord[] = []): Promise<string> {
  if (rec.hostConfig.networkMode === 'none') return ''
  const owner = rec.netnsOwner && !all.some((c) => c.id === rec.netnsOwner) ? await netnsOwnerOf(rec) : undefined
  const resolvers = await resolversOf(rec, nets, owner ? [...all, owner] : all)
  if (resolvers.length > 0) return containerResolvConf(resolvers, dns)
  return withDnsSettings(resolvConf(await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '')), dns)
}

const live = (c: ContainerRecord) => c.state.status !== 'exited'

/**
 * Someone joined or left `networks`: make each resolver's hosts files, its members' forwarders
 * and resolv.conf match the records. Under the store lock, so two commands never write
 * from two different pictures.
 */
export async function syncNames(networks: string[]): Promise<void> {
  const nets = cachedNetworks()
  const named: NetworkRecord[] = []
  for (const n of new Set(networks)) {
    const net = await nets(n)
    if (net && hasResolver(net)) named.push(net)
  }
  if (named.length === 0) return
  const {stopResolverIfIdle, writeNames} = await import('../networks/dns/resolver.js')
  const {syncForwarder} = await import('../networks/dns/forwarder.js')
  await withLock(async () => {
    const all = (await listContainers()).filter(live)
    phase('names', `names on ${named.map((n) => n.name).join(', ')}: the resolver's hosts files`)
    for (const net of named) {
      const entries = new Map<string, string>()
      for (const c of all) {
        const att = networksOf(c, all)[net.name]
        if (!att) continue
        const text = hostsEntry(att.ip, namesOf(c, att))
        if (text) entries.set(c.id, text)
      }
      await writeNames(net.name, entries)
      // a container that left without its driver's teardown (salvage): the last lease takes the resolver
      await stopResolverIfIdle(net)
    }
    // their forwarder and search list follow the networks they are on (network connect /
    // disconnect): a forwarder answers before resolv.conf names it, and goes after it does not
    const owners = await Promise.all(
      all.filter((c) => c.netns && !c.netnsOwner && named.some((n) => c.networks[n.name])).map(async (c) => ({id: c.id, netns: c.netns!, rs: await resolversOf(c, nets, all)})),
    )
    // one container's forwarder that cannot start (it holds 127.0.0.11:53 itself) spoils its own
    // names only: never the runs, names and removals of everyone else on its networks
    for (const o of owners) {
      if (needsForwarder(o.rs)) await syncForwarder(o.id, o.netns, o.rs).catch((e: Error) => process.stderr.write(`Warning: ${e.message}\n`))
    }
    for (const c of all) {
      if (!named.some((n) => networksOf(c, all)[n.name])) continue
      const file = path.join(paths.container(c.id), 'resolv.conf')
      const text = await resolvFor(c, await dnsSettingsOf(c, all), nets, all)
      const old = await fs.readFile(file, 'utf8').catch(() => undefined)
      // rewritten in place: it is bind-mounted, a rename would leave the mount on the old file
      if (old !== undefined && old !== text) await fs.writeFile(file, text).catch(() => {})
    }
    for (const o of owners) if (!needsForwarder(o.rs)) await syncForwarder(o.id, o.netns, o.rs)
  })
}

/** The container whose network namespace `rec` shares (a pod's pause container), if any. */
export async function netnsOwnerOf(rec: ContainerRecord, all?: ContainerRecord[]): Promise<ContainerRecord | undefined> {
  if (!rec.netnsOwner) return undefined
  return all?.find((c) => c.id === rec.netnsOwner) ?? (await import('./record.js').then((m) => m.readRecord(rec.netnsOwner!)).catch(() => undefined))
}

/** --dns settings: a pod member without its own takes its pod's (they share the network). */
export async function dnsSettingsOf(rec: ContainerRecord, all?: ContainerRecord[]): Promise<DnsSettings> {
  if (rec.hostConfig.dns || !rec.netnsOwner) return rec.hostConfig.dns ?? {}
  return (await netnsOwnerOf(rec, all))?.hostConfig.dns ?? {}
}
