import fs from 'node:fs/promises'
import path from 'node:path'
import type {Rollback} from '../../kernel/rollback.js'
import {already, note, phase} from '../../kernel/runner.js'
import {listDir, readJson, writeJsonAtomic} from '../../state/files.js'
import {runtimeDir} from '../../state/paths.js'
import {DEFAULT_NAMESERVERS} from '../etc-files.js'
import {leases} from '../ipam/leases.js'
import type {NetworkRecord} from '../records.js'
import {readNetwork} from '../records.js'
import {hasResolver, resolverConf, upstreamServers, type ResolverFiles} from './config.js'
import {DNSMASQ, isOurDnsmasq, pidFromFile, readableByNobody, requireDnsmasq, startDnsmasq, stopDnsmasq, writeReadable} from './dnsmasq.js'

// The resolver of a user-defined bridge network: one dnsmasq, in the host's namespaces, bound to
// the network's gateway address. Started by the first container that joins (bridge driver
// setup), stopped when the network holds no lease any more (teardown), so nothing stays resident
// while no container uses the network. Its files live in RUNTIME/dns/<network>/; it is tracked as
// the container monitors are: by PID and start time, and checked to be our dnsmasq (its
// executable and its --conf-file, dnsmasq.ts) before it is ever signalled.

const dnsRoot = () => path.join(runtimeDir(), 'dns')
export const resolverDir = (network: string) => path.join(dnsRoot(), network)
const confFile = (network: string) => path.join(resolverDir(network), 'dnsmasq.conf')
const stateFile = (network: string) => path.join(resolverDir(network), 'resolver.json')

export function resolverFiles(network: string): ResolverFiles {
  const dir = resolverDir(network)
  return {hostsDir: path.join(dir, 'hosts'), pidFile: path.join(dir, 'dnsmasq.pid'), logFile: path.join(dir, 'dnsmasq.log')}
}

interface ResolverState {
  pid: number
  pidStart: number
  gateway: string
}

const isState = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as ResolverState).pid === 'number' && typeof (v as ResolverState).gateway === 'string'

/** Is PID the dnsmasq started with this network's configuration (and not a recycled PID)? */
const isOurResolver = (network: string, pid: number, pidStart?: number) => isOurDnsmasq(confFile(network), pid, pidStart)

/** The network's resolver when it is running: its state, verified against /proc. */
export async function runningResolver(network: string): Promise<ResolverState | undefined> {
  const st = await readJson<ResolverState>(stateFile(network), isState).catch(() => undefined)
  return st && (await isOurResolver(network, st.pid, st.pidStart)) ? st : undefined
}

/** Start the network's dnsmasq unless it runs already (caller holds the store lock). */
export async function ensureResolver(net: NetworkRecord, joining: string, rb: Rollback): Promise<void> {
  const running = await runningResolver(net.name)
  if (running && running.gateway === net.gateway) {
    return already(`${DNSMASQ} --conf-file=${confFile(net.name)}`, `network ${net.name}'s resolver answers on ${net.gateway}:53 (pid ${running.pid})`)
  }
  await requireDnsmasq('user-defined bridge networks')
  // one with another gateway, or one a crash left without its state file (its pid file names it), goes first
  await stopResolver(net.name, running ? 'its gateway changed' : 'left behind by a crash')
  phase('names', `the resolver of network ${net.name}: dnsmasq on ${net.gateway}:53`)
  rb.push('resolver', () => stopResolverIfIdle(net, joining))
  const files = resolverFiles(net.name)
  note(`mkdir -p ${files.hostsDir}`, "one hosts file per container, watched by dnsmasq (inotify): names come and go without a restart")
  await fs.mkdir(files.hostsDir, {recursive: true})
  await readableByNobody([dnsRoot(), resolverDir(net.name), files.hostsDir])
  const conf = resolverConf({network: net.name, gateway: net.gateway!, upstreams: await hostUpstreams(), files})
  note(`cat > ${confFile(net.name)} <<'EOF'\n${conf.replace(/\n$/, '')}\nEOF`, `the resolver's configuration: ${net.gateway}:53 only, names from the hosts files, the rest forwarded to the host's nameservers`)
  await fs.writeFile(confFile(net.name), conf)
  const {pid, pidStart} = await startDnsmasq({
    confFile: confFile(net.name),
    pidFile: files.pidFile,
    why: `network ${net.name}'s DNS server, as podman's aardvark-dns: it binds ${net.gateway}:53, then answers as nobody`,
    failure: (why) => `cannot start the DNS resolver of network ${net.name} on ${net.gateway}:53: ${why}; stop what listens on port 53 there`,
  })
  await writeJsonAtomic(stateFile(net.name), {pid, pidStart, gateway: net.gateway!} satisfies ResolverState)
}

/**
 * SIGTERM to our dnsmasq, then its files go. Idempotent. The PID comes from our state file or,
 * when that is lost, from dnsmasq's own pid file; either is signalled only once /proc says it is
 * dnsmasq running this network's configuration.
 */
export async function stopResolver(network: string, why: string): Promise<boolean> {
  const st = await readJson<ResolverState>(stateFile(network), isState).catch(() => undefined)
  phase('names', `the resolver of network ${network}`)
  const stopped = await stopDnsmasq(confFile(network), [[st?.pid ?? 0, st?.pidStart], [await pidFromFile(resolverFiles(network).pidFile), undefined]], `stop network ${network}'s dnsmasq: ${why}`)
  await fs.rm(resolverDir(network), {recursive: true, force: true, maxRetries: 3}) // an overlay agent may be writing a name there
  return stopped
}

/** The last lease gone (or held only by `leaving`), the resolver goes (caller holds the store lock). */
export async function stopResolverIfIdle(net: NetworkRecord, leaving?: string): Promise<void> {
  if ([...(await leases(net.name)).values()].some((owner) => owner !== leaving)) return
  if (await fs.stat(resolverDir(net.name)).catch(() => undefined)) await stopResolver(net.name, 'no container uses the network any more')
}

/** Resolvers whose network is gone or unused (a crash between the last teardown and the stop). */
export async function pruneResolvers(): Promise<string[]> {
  const out: string[] = []
  for (const name of await listDir(dnsRoot())) {
    const net = await readNetwork(name).catch(() => undefined)
    if (net && hasResolver(net) && (await leases(name)).size > 0) continue
    if (await stopResolver(name, 'its network has no container any more')) out.push(`resolver ${name}`)
  }
  return out
}

/**
 * The hosts files of containers on OTHER hosts (an overlay's, written by this host's overlay
 * agent from etcd) are named `remote.<id>`: the local sync and the agent each keep their own set
 * and never touch the other's, so they need no common lock.
 */
export const REMOTE_PREFIX = 'remote.'
const isRemote = (file: string) => file.replace(/^\./, '').startsWith(REMOTE_PREFIX)

/**
 * Make the network's hosts directory hold exactly `entries` (container id → hosts lines) of one
 * kind: this host's containers, or (remote) other hosts'. Only while the resolver runs (it made
 * the directory). Each file is written aside (a dotfile, which dnsmasq ignores) and renamed into
 * place, so dnsmasq never reads half a file. True when a file changed.
 */
export async function writeNames(network: string, entries: Map<string, string>, kind: 'local' | 'remote' = 'local'): Promise<boolean> {
  const {hostsDir} = resolverFiles(network)
  const present = (await fs.readdir(hostsDir).catch(() => undefined))?.filter((f) => isRemote(f) === (kind === 'remote'))
  if (!present) return false
  const fileOf = (id: string) => (kind === 'remote' ? REMOTE_PREFIX : '') + id
  const mine = new Set([...entries.keys()].map(fileOf))
  let changed = false
  for (const [id, text] of entries) {
    const file = path.join(hostsDir, fileOf(id))
    if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === text) continue
    note(`cat > ${file} <<'EOF'\n${text.replace(/\n$/, '')}\nEOF`, `names of container ${id.slice(0, 12)} on network ${network}${kind === 'remote' ? ', on another host' : ''} (dnsmasq reads the file as it appears)`)
    // per writer: a run joining an overlay and the agent may write the same remote file at once
    const tmp = path.join(hostsDir, `.${fileOf(id)}.${process.pid}.tmp`)
    await writeReadable(tmp, text)
    await fs.rename(tmp, file)
    changed = true
  }
  for (const f of present) {
    if (mine.has(f) || (kind === 'remote' && f.startsWith('.'))) continue // another writer's file being written
    if (!f.startsWith('.')) note(`rm ${path.join(hostsDir, f)}`, `container ${f.replace(REMOTE_PREFIX, '').slice(0, 12)} left network ${network}: its names go`)
    await fs.rm(path.join(hostsDir, f), {force: true})
    changed = true
  }
  return changed
}

/** A container's names leave the network at once (driver teardown), before anything else is tidied. */
export async function forgetNames(network: string, containerId: string): Promise<void> {
  await fs.rm(path.join(resolverFiles(network).hostsDir, containerId), {force: true})
}

/**
 * The host's nameservers the resolver forwards to: /etc/resolv.conf's without loopback ones; with
 * only a local stub there (systemd-resolved's 127.0.0.53), the servers behind it, as Docker reads
 * them; with none at all, Docker's fallback, which the default bridge's containers get too.
 */
async function hostUpstreams(): Promise<string[]> {
  for (const file of ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf']) {
    const servers = upstreamServers(await fs.readFile(file, 'utf8').catch(() => ''))
    if (servers.length > 0) return servers
  }
  return DEFAULT_NAMESERVERS
}
