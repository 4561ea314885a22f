import fs from 'node:fs/promises'
import path from 'node:path'
import {KernelError, UserError} from '../../errors.js'
import {isAlive, pidStartTime, signal, waitFor} from '../../kernel/proc.js'
import type {Rollback} from '../../kernel/rollback.js'
import {already, note, phase, run} from '../../kernel/runner.js'
import {listDir, readJson, writeJsonAtomic} from '../../state/files.js'
import {runtimeDir} from '../../state/paths.js'
import {DEFAULT_NAMESERVERS} from '../etc-files.js'
import {leases} from '../ipam/leases.js'
import type {NetworkRecord} from '../records.js'
import {readNetwork} from '../records.js'
import {hasResolver, resolverConf, upstreamServers, type ResolverFiles} from './config.js'

// The resolver of a user-defined bridge network: one dnsmasq, in the host's namespaces, bound to
// the network's gateway address. Started by the first container that joins (bridge driver
// setup), stopped when the network holds no lease any more (teardown), so nothing stays resident
// while no container uses the network. Its files live in RUNTIME/dns/<network>/; it is tracked as
// the container monitors are: by PID and start time, and checked to be our dnsmasq (its
// executable and its --conf-file) before it is ever signalled.

export const DNSMASQ = '/usr/sbin/dnsmasq'

const dnsRoot = () => path.join(runtimeDir(), 'dns')
export const resolverDir = (network: string) => path.join(dnsRoot(), network)
const confFile = (network: string) => path.join(resolverDir(network), 'dnsmasq.conf')
const stateFile = (network: string) => path.join(resolverDir(network), 'resolver.json')

export function resolverFiles(network: string): ResolverFiles {
  const dir = resolverDir(network)
  return {hostsDir: path.join(dir, 'hosts'), serversFile: path.join(dir, 'servers'), pidFile: path.join(dir, 'dnsmasq.pid'), logFile: path.join(dir, 'dnsmasq.log')}
}

interface ResolverState {
  pid: number
  pidStart: number
  gateway: string
}

const isState = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as ResolverState).pid === 'number' && typeof (v as ResolverState).gateway === 'string'

/** Is PID the dnsmasq started with this network's configuration (and not a recycled PID)? */
export async function isOurResolver(network: string, pid: number, pidStart?: number): Promise<boolean> {
  if (!isAlive(pid, pidStart)) return false
  const exe = await fs.readlink(`/proc/${pid}/exe`).catch(() => '')
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  return exe === DNSMASQ && cmdline.split('\0').includes(`--conf-file=${confFile(network)}`)
}

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
  if (!(await fs.access(DNSMASQ).then(() => true, () => false))) throw new UserError(`${DNSMASQ} is not installed: user-defined bridge networks need it to resolve names; install Debian's dnsmasq-base (scripts/install-deps.sh)`)
  // one with another gateway, or one a crash left without its state file (its pid file names it), goes first
  await stopResolver(net.name, running ? 'its gateway changed' : 'left behind by a crash')
  phase('names', `the resolver of network ${net.name}: dnsmasq on ${net.gateway}:53`)
  rb.push('resolver', () => stopResolverIfIdle(net, joining))
  const files = resolverFiles(net.name)
  note(`mkdir -p ${files.hostsDir}`, "one hosts file per container, watched by dnsmasq (inotify): names come and go without a restart")
  await fs.mkdir(files.hostsDir, {recursive: true})
  await readableByNobody(files.hostsDir)
  await writeReadable(files.serversFile, '')
  const conf = resolverConf({network: net.name, gateway: net.gateway!, upstreams: await hostUpstreams(), files})
  note(`cat > ${confFile(net.name)} <<'EOF'\n${conf.replace(/\n$/, '')}\nEOF`, `the resolver's configuration: ${net.gateway}:53 only, names from the hosts files, the rest forwarded to the host's nameservers`)
  await fs.writeFile(confFile(net.name), conf)
  // dnsmasq forks into the background once it listens: when this returns, it answers.
  const r = await run([DNSMASQ, `--conf-file=${confFile(net.name)}`], {allowFail: true, env: {LC_ALL: 'C'}, why: `network ${net.name}'s DNS server, as podman's aardvark-dns: it binds ${net.gateway}:53, then answers as nobody`})
  if (r.exitCode !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? ''
    throw new UserError(`cannot start the DNS resolver of network ${net.name} on ${net.gateway}:53: ${why.replace(/^dnsmasq: /, '')}; stop what listens on port 53 there`)
  }
  const pid = Number((await fs.readFile(files.pidFile, 'utf8').catch(() => '')).trim())
  if (!pid || !(await isOurResolver(net.name, pid))) throw new KernelError([DNSMASQ], `dnsmasq started but left no running process in ${files.pidFile}`, undefined)
  await writeJsonAtomic(stateFile(net.name), {pid, pidStart: pidStartTime(pid), gateway: net.gateway!} satisfies ResolverState)
}

/**
 * SIGTERM to our dnsmasq, then its files go. Idempotent. The PID comes from our state file or,
 * when that is lost, from dnsmasq's own pid file; either is signalled only once /proc says it is
 * dnsmasq running this network's configuration.
 */
export async function stopResolver(network: string, why: string): Promise<boolean> {
  const st = await readJson<ResolverState>(stateFile(network), isState).catch(() => undefined)
  const fromPidFile = Number((await fs.readFile(resolverFiles(network).pidFile, 'utf8').catch(() => '')).trim())
  let stopped = false
  for (const [pid, start] of [[st?.pid ?? 0, st?.pidStart], [fromPidFile, undefined]] as const) {
    if (!pid || !(await isOurResolver(network, pid, start))) continue
    const pidStart = pidStartTime(pid)
    phase('names', `the resolver of network ${network}`)
    note(`kill ${pid}`, `stop network ${network}'s dnsmasq: ${why}`)
    signal(pid, 'SIGTERM', pidStart)
    if (!(await waitFor(() => !isAlive(pid, pidStart), 2000, 10))) signal(pid, 'SIGKILL', pidStart)
    stopped = true
  }
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

/** The zones this network's resolver forwards to other networks' resolvers; SIGHUP makes dnsmasq re-read them. */
export async function writeForwards(network: string, text: string): Promise<void> {
  const {serversFile} = resolverFiles(network)
  const old = await fs.readFile(serversFile, 'utf8').catch(() => undefined)
  if (old === undefined || old === text) return
  const st = await runningResolver(network)
  if (!st) return
  note(`cat > ${serversFile} <<'EOF'\n${text.replace(/\n$/, '')}\nEOF\nkill -HUP ${st.pid}`, `network ${network}'s resolver forwards the zones of the other networks its members are on`)
  await writeReadable(serversFile, text)
  signal(st.pid, 'SIGHUP', st.pidStart)
}

/** dnsmasq reads its hosts and servers files as nobody: 0644 whatever the umask. */
async function writeReadable(file: string, text: string): Promise<void> {
  await fs.writeFile(file, text)
  await fs.chmod(file, 0o644)
}

/**
 * dnsmasq answers as nobody and re-reads the hosts files as nobody: our directories are made
 * 0755, and every directory above them must let others through, or names would silently stay empty.
 */
async function readableByNobody(hostsDir: string): Promise<void> {
  for (const dir of [dnsRoot(), path.dirname(hostsDir), hostsDir]) await fs.chmod(dir, 0o755)
  for (let dir = path.dirname(dnsRoot()); ; dir = path.dirname(dir)) {
    const st = await fs.stat(dir)
    if ((st.mode & 0o001) === 0) throw new UserError(`the resolver (dnsmasq, running as nobody) cannot reach ${hostsDir}: ${dir} is not searchable by others (mode ${(st.mode & 0o777).toString(8)}); chmod o+x ${dir}, or set MINIRUN_RUNTIME_DIR elsewhere`)
    if (dir === path.dirname(dir)) return
  }
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
