import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {UserError} from '../errors.js'
import {deleteNetns, holdsNetns} from '../kernel/netns.js'
import {unmount} from '../kernel/mount.js'
import {childrenOf, isAlive, pidStartTime, signal, sleep, waitFor} from '../kernel/proc.js'
import {type Rollback, transaction} from '../kernel/rollback.js'
const PAUSE_LINE = 'sleep 2147483647' // pods.ts PAUSE_COMMAND, spelled out: importing pods here would be circular
import {type Attached, note, phase, shellQuote, spawnAttached, spawnDetached} from '../kernel/runner.js'
import {detachNetwork} from '../networks/attach.js'
import {stopForwarder} from '../networks/dns/forwarder.js'
import {endpointOf} from './endpoint.js'
import {readJson} from '../state/files.js'
import {readPod} from '../pods/records.js'
import {withLock} from '../state/lock.js'
import {cgroupPlan, oomKilled, removeCgroups} from '../kernel/cgroups.js'
import {instanceTag, paths} from '../state/paths.js'
import {resolveInRoot} from '../util/scoped-path.js'
import {removeAnonymousVolumes} from '../volumes/store.js'
import {createContainer, prepareContainer, type RunRequest} from './create.js'
import {limitsOf, processSpec} from './process-spec.js'
import {liveStatus} from './inspect.js'
import {freeze, freezerOf, removeFreezer, thaw} from '../kernel/freezer.js'
import {parseRestartPolicy, restartDelay, shouldRestart} from './restart-policy.js'
import {etcFile, networkNamesOf, refreshHosts} from './etc.js'
import {findContainer, listContainers} from './find.js'
import {DEFAULT_PATH, HOST_ENV, LAUNCHER, launchArgv, type LaunchSpec, type Mount} from './launch.js'
import {attachSocket, callerCleansFile, type ContainerRecord, exitFile, logFile, readRecord, removeStateDir, writeRecord} from './record.js'

// The container lifecycle: create → start → (exit) → cleanup → remove.
// A detached container is kept by its own process tree: the launcher's host side stays as its
// monitor (podman's conmon), relays its terminal and logs, records the exit code and then
// becomes `minirun container cleanup ID`. No Node process stays resident.

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))
const pidFile = (id: string) => path.join(paths.container(id), 'launcher.pid')

/** `run`: create, start, and for a foreground container wait and return its exit code. */
export async function runContainer(req: RunRequest): Promise<{rec: ContainerRecord; exitCode?: number}> {
  let rec: ContainerRecord | undefined
  const attached = await transaction(async (rb) => {
    rec = await createContainer(req, rb)
    return bringUp(rec, {detach: req.detach, interactive: req.interactive}, rb)
  })
  return finish(rec!, attached)
}

/** `create`: the record and its name only; `start` makes the kernel state. */
export async function createOnly(req: RunRequest): Promise<ContainerRecord> {
  return transaction(async (rb) => {
    const rec = await createContainer(req, rb)
    await checkExecutable(rec, true)
    return rec
  })
}

/**
 * `start`: a created or stopped container comes back with its networks (and addresses when
 * they are still free), published ports, volumes and upper dir. `attach`: in the foreground.
 */
export async function startContainer(ref: string, opts: {attach: boolean; interactive: boolean}): Promise<{rec: ContainerRecord; exitCode?: number}> {
  const found = await findContainer(ref)
  if (liveStatus(found) === 'running') throw new UserError(`container ${found.name} is already running; stop it first or use minirun restart ${found.name}`)
  let rec: ContainerRecord | undefined
  const attached = await transaction(async (rb) => {
    rec = await withLock(async () => {
      const cur = (await readRecord(found.id)) ?? found
      fsSync.rmSync(exitFile(cur.id), {force: true})
      fsSync.rmSync(callerCleansFile(cur.id), {force: true})
      cur.state = {...cur.state, status: 'created', exitCode: 0, stoppedByUser: false, creatorPid: process.pid, creatorStart: pidStartTime(process.pid)}
      cur.hostConfig.detached = !opts.attach
      await writeRecord(cur)
      return cur
    })
    rb.push('state', () => withLock(async () => {
      const cur = await readRecord(found.id)
      if (cur) await writeRecord({...cur, state: {...cur.state, status: 'exited'}})
    }))
    return bringUp(rec, {detach: !opts.attach, interactive: opts.interactive}, rb)
  })
  return finish(rec!, attached)
}

/** Kernel state, then the launch: detached (the launcher stays as monitor) or attached to us. */
async function bringUp(rec: ContainerRecord, opts: {detach: boolean; interactive: boolean}, rb: Rollback): Promise<Attached | undefined> {
  await prepareContainer(rec, rb)
  await checkExecutable(rec)
  phase('launch', 'the command, in fresh PID, mount, UTS and IPC namespaces')
  const spec = await launchSpec(rec)
  if (opts.detach) {
    await startDetached(rec, spec, rb)
    return undefined
  }
  const attached = await spawnAttached(launchArgv({...spec, log: logFile(rec.id)}), {stdin: opts.interactive, env: {...HOST_ENV}, why: 'start the container attached to this terminal'})
  rb.push('container process', async () => signal(attached.pid, 'SIGKILL'))
  await markRunning(rec, attached.pid, process.pid)
  return attached
}

/** After the launch: for an attached container, wait for it, clean up, apply its restart policy. */
async function finish(rec: ContainerRecord, attached: Attached | undefined): Promise<{rec: ContainerRecord; exitCode?: number}> {
  await refreshHosts(await networkNamesOf(rec))
  if (!attached) return {rec}
  const forward = (sig: NodeJS.Signals) => signal(rec.state.pid || attached.pid, sig, rec.state.pidStart || undefined)
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const s of sigs) process.on(s, forward)
  const code = await attached.done
  for (const s of sigs) process.off(s, forward)
  // If the launcher died first (e.g. of the terminal's SIGINT), PID 1 must not outlive this run.
  if (rec.state.pid && !(await waitFor(() => !isAlive(rec.state.pid, rec.state.pidStart), 2000, 20))) signal(rec.state.pid, 'SIGKILL', rec.state.pidStart)
  await cleanupContainer(rec.id, code)
  await applyRestartPolicy(rec.id)
  return {rec, exitCode: code}
}

async function startDetached(rec: ContainerRecord, spec: LaunchSpec, rb: Rollback): Promise<void> {
  const socket = attachSocket(rec.id)
  note(`mkdir -p ${shellQuote(path.dirname(socket))}`, "where the monitor's attach socket goes")
  fsSync.mkdirSync(path.dirname(socket), {recursive: true})
  const argv = launchArgv({...spec, detached: true, log: logFile(rec.id), exitFile: exitFile(rec.id), pidFile: pidFile(rec.id), attachSocket: socket, cleanup: [process.execPath, BIN, rec.id], cleanupUnless: callerCleansFile(rec.id)})
  // The monitor and the `container cleanup` it becomes are host processes: a fixed environment,
  // nothing of the container's (an image's NODE_OPTIONS or LD_PRELOAD would run as host root).
  const env: Record<string, string> = {...HOST_ENV}
  for (const k of ['MINIRUN_ROOT', 'MINIRUN_RUNTIME_DIR'] as const) if (process.env[k]) env[k] = process.env[k]!
  const launcher = await spawnDetached(argv, {logFile: path.join(paths.container(rec.id), 'launcher.log'), env, why: 'the launcher stays as the container\'s monitor: logs, stdin, attach, exit code'})
  rb.push('monitor', async () => {
    for (const pid of [...childrenOf(launcher), launcher]) signal(pid, 'SIGKILL')
  })
  await markRunning(rec, launcher, launcher)
}

/** `pid` runs the launcher (from its file, or an exec's sealed copy): not the container's command, not `container cleanup`. */
let launcherFile: string | undefined
const runsLauncher = (pid: number) => {
  try {
    const exe = fsSync.readlinkSync(`/proc/${pid}/exe`)
    launcherFile ??= fsSync.realpathSync(LAUNCHER) // once, not at every 2 ms poll
    return exe.startsWith('/memfd:minirun-launcher') || exe === launcherFile
  } catch {
    return false
  }
}

/** Record the PIDs once PID 1 exists (or the launcher already finished). */
async function markRunning(rec: ContainerRecord, launcher: number, supervisor: number): Promise<void> {
  let pid = 0
  // Running means the container's command has replaced the launcher in PID 1: before that, PID 1
  // is still setting up (its root is not pivoted yet) and nothing may enter it.
  // A detached monitor becomes `container cleanup` (node) when the container exits: its children
  // are then the cleanup's tools (its lock helper first), never PID 1, and must not be recorded.
  await waitFor(() => {
    if (!runsLauncher(launcher)) return ((pid = 0), true)
    pid = childrenOf(launcher)[0] ?? 0
    return pid > 0 && !runsLauncher(pid)
  }, 5000, 2)
  await withLock(async () => {
    const cur = await readRecord(rec.id)
    if (!cur || cur.state.status === 'exited') return // it already exited and was cleaned up
    rec.state = {
      ...rec.state,
      status: 'running',
      pid,
      pidStart: pid ? pidStartTime(pid) : 0,
      launcherPid: launcher,
      supervisorPid: supervisor,
      supervisorStart: pidStartTime(supervisor),
      startedAt: new Date().toISOString(),
    }
    await writeRecord(rec)
  })
}

/** Everything the launcher needs to start `rec`. */
async function launchSpec(rec: ContainerRecord): Promise<LaunchSpec> {
  const binds: Mount[] = (['hosts', 'hostname', 'resolv.conf'] as const).map((name) => ({source: etcFile(rec.id, name), target: `/etc/${name}`, readOnly: false}))
  for (const b of rec.hostConfig.binds) binds.push({source: b.hostPath, target: b.containerPath, readOnly: b.readOnly})
  const owner = rec.netnsOwner ? await readRecord(rec.netnsOwner) : undefined
  const podShares = rec.hostConfig.pod && owner?.state.pid ? owner.state.pid : 0
  if (podShares && rec.netns) {
    // The transcript finds the pause process again by its network namespace, so a replay (other PIDs) joins the right one.
    note(`PAUSE=$(for p in $(pgrep -xf ${shellQuote(PAUSE_LINE)}); do [ "$(readlink /proc/$p/ns/net)" = "net:[$(stat -L -c %i ${rec.netns})]" ] && echo $p; done | head -n1)  # ${podShares}`, `the pod's pause process (PID ${podShares}): its UTS and IPC namespaces are joined through /proc/$PAUSE/ns`)
  }
  return {
    root: rec.rootfs.merged,
    binds,
    hostname: podShares ? undefined : rec.config.hostname,
    init: rec.hostConfig.init ? await initBinary() : undefined,
    netns: rec.netns ?? undefined,
    uts: podShares ? `/proc/${podShares}/ns/uts` : undefined,
    ipc: podShares ? `/proc/${podShares}/ns/ipc` : undefined,
    readOnly: rec.hostConfig.readOnly,
    tmpfs: Object.entries(rec.hostConfig.tmpfs ?? {}).map(([p, options]) => ({path: p, options})),
    shmSize: rec.hostConfig.shmSize,
    // one IPC namespace, one /dev/shm: POSIX shared memory is files there
    shmFrom: podShares ? `/proc/${podShares}/ns/mnt` : undefined,
    ...(await processSpec(rec)),
    argv: rec.config.argv,
  }
}

const TOOLS_DIR = fileURLToPath(new URL('../../tools/', import.meta.url))

async function initBinary(): Promise<string> {
  const p = path.join(TOOLS_DIR, 'minit')
  if (!(await fs.stat(p).catch(() => undefined))) throw new UserError(`--init needs ${p}: install gcc and libc6-dev, then npm run build`)
  return p
}

/** Fail like Docker (exit 127) when the command does not exist in the image, before starting anything. */
async function checkExecutable(rec: ContainerRecord, beforeStart = false): Promise<void> {
  // before `start` nothing is mounted yet: the image's own tree
  const root = beforeStart ? rec.rootfs.lower : rec.rootfs.merged
  const cmd = rec.config.argv[0]
  const envPath = rec.config.env.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH
  const candidates = cmd.includes('/') ? [path.posix.resolve(rec.config.workdir, cmd)] : envPath.split(':').filter(Boolean).map((d) => path.posix.join(d, cmd))
  for (const c of candidates) {
    // A volume is mounted over the image at launch: look for the command in its source then.
    const bind = rec.hostConfig.binds.find((b) => c === b.containerPath || c.startsWith(b.containerPath + '/'))
    const host = bind ? await resolveInRoot(bind.hostPath, c.slice(bind.containerPath.length)) : await resolveInRoot(root, c)
    let st: fsSync.Stats | undefined
    try {
      st = fsSync.statSync(host)
    } catch {}
    if (st?.isFile()) return
    // a path to a directory: Docker's "permission denied", 126 as a shell says it
    if (st?.isDirectory() && cmd.includes('/')) throw new UserError(`exec: "${cmd}": permission denied (it is a directory)`, 126)
  }
  throw new UserError(`exec: "${cmd}": executable file not found in the container's $PATH (${envPath})`, 127)
}

/**
 * Release what a stopped container holds: its network attachments, namespace and root mount.
 * Idempotent: the monitor's `container cleanup`, `stop`, `rm` and `system prune` may all call it.
 */
export async function cleanupContainer(id: string, exitCode?: number): Promise<void> {
  let networks: string[] = []
  let autoRemove = false
  await withLock(async () => {
    const rec = await readRecord(id)
    if (!rec) return
    if (rec.state.status === 'running' && isAlive(rec.state.pid, rec.state.pidStart)) return
    phase('teardown', `container ${rec.name}`)
    const code = exitCode ?? (await readExitCode(id)) ?? (rec.state.status === 'exited' ? rec.state.exitCode : 137)
    networks = await networkNamesOf(rec)
    if (Object.keys(rec.networks).length > 0) {
      // what `start` asks for again: the same networks, and the same addresses if still free
      rec.hostConfig.endpoints = Object.entries(rec.networks).map(([network, a]) => ({network, ifname: a.ifname, ip: a.ip, aliases: a.aliases}))
    }
    await releaseKernelState(rec)
    rec.networks = {}
    if (rec.state.status !== 'exited') {
      rec.state = {...rec.state, status: 'exited', exitCode: code, finishedAt: new Date().toISOString(), pid: 0}
    }
    autoRemove = rec.hostConfig.autoRemove
    if (autoRemove) {
      await removeStateDir(rec)
      // as Docker's --rm: its anonymous volumes go with it
      await removeAnonymousVolumes(rec, (m) => process.stderr.write(m + '\n'))
    } else await writeRecord(rec)
  })
  if (networks.length > 0) await refreshHosts(networks)
}

async function releaseKernelState(rec: ContainerRecord): Promise<void> {
  const f = (() => {
    try {
      return freezerOf(rec.id, instanceTag())
    } catch {
      return undefined
    }
  })()
  if (f && fsSync.existsSync(f.dir)) await removeFreezer(f)
  const plan = cgroupPlan(rec.id, instanceTag(), limitsOf(rec))
  if (plan.leaves.length > 0) {
    if (await oomKilled(plan)) rec.state.oomKilled = true
    await removeCgroups(plan)
  }
  // a container that joined another's namespace holds nothing in it (records made before
  // joiners stopped copying the owner's networks still list them: not theirs to detach)
  if (!rec.netnsOwner) {
    // its DNS forwarder runs inside the namespace and would keep it alive: it goes first
    await stopForwarder(rec.id, 'the container stopped')
    // the namespace's release frees the veths inside: deleting each one first would wait out the
    // kernel's RCU grace period per link (10-25 ms here), on every exit
    const netnsReleased = Object.keys(rec.networks).length > 0 && !!rec.netns && holdsNetns(rec.netns)
    for (const att of Object.values(rec.networks)) await detachNetwork(endpointOf(rec, att.ifname, {netnsReleased}), att)
    if (rec.netns) await deleteNetns(rec.netns)
  }
  await unmount(rec.rootfs.merged)
}

async function readExitCode(id: string): Promise<number | undefined> {
  const v = await readJson<number>(exitFile(id))
  return typeof v === 'number' ? v : undefined
}

/** SIGTERM, then SIGKILL after `timeout` seconds; returns once the container is cleaned up. */
export async function stopContainer(ref: string, time?: number): Promise<ContainerRecord> {
  const rec = await findContainer(ref)
  // --stop-timeout and --stop-signal of the container, as Docker's stop uses them
  const timeout = time ?? (rec.hostConfig.stopTimeout === undefined || rec.hostConfig.stopTimeout < 0 ? 10 : rec.hostConfig.stopTimeout)
  const stopSignal = rec.config.stopSignal ?? 'SIGTERM'
  const sig = /^\d+$/.test(stopSignal) ? Number(stopSignal) : (stopSignal as NodeJS.Signals)
  await markStoppedByUser(rec.id)
  if (rec.state.status === 'running' && isAlive(rec.state.pid, rec.state.pidStart)) {
    signal(rec.state.pid, sig, rec.state.pidStart)
    // PID 1 ignores signals it has no handler for (busybox httpd ignores SIGTERM): kill it then.
    const stopped = await waitFor(() => !isAlive(rec.state.pid, rec.state.pidStart), timeout * 1000, 20)
    if (!stopped) signal(rec.state.pid, 'SIGKILL', rec.state.pidStart)
    await waitForExit(rec)
  }
  await cleanupContainer(rec.id)
  return rec
}

/**
 * rm -f cleans up after the kill itself (cleanupContainer, idempotent): this tells the monitor not
 * to start `container cleanup` (a Node start) for it, and rm not to wait for one. An rm -f killed
 * in between leaves a record that the next rm -f or prune cleans up.
 */
async function callerCleans(rec: ContainerRecord): Promise<void> {
  if (!rec.hostConfig.detached) return
  try {
    fsSync.writeFileSync(callerCleansFile(rec.id), '')
  } catch {}
}

/**
 * Before a stop, kill or rm signals it: its exit must not trigger the restart policy, and a
 * paused container is thawed (a frozen process does not die of SIGKILL until it is).
 */
async function markStoppedByUser(id: string): Promise<void> {
  await withLock(async () => {
    const cur = await readRecord(id)
    if (!cur) return
    if (cur.state.paused) await thaw(freezerOf(id, instanceTag()))
    if (!cur.state.stoppedByUser || cur.state.paused) await writeRecord({...cur, state: {...cur.state, stoppedByUser: true, paused: false}})
  })
}

/** `pause` / `unpause`: freeze or thaw every process of a running container. */
export async function pauseContainer(ref: string, pause: boolean): Promise<ContainerRecord> {
  const rec = await findContainer(ref)
  if (liveStatus(rec) !== 'running') throw new UserError(`container ${rec.name} is not running`)
  if (pause === (rec.state.paused ?? false)) throw new UserError(`container ${rec.name} is ${pause ? 'already paused' : 'not paused'}`)
  const f = freezerOf(rec.id, instanceTag())
  if (pause) await freeze(f, rec.state.pid)
  else await thaw(f)
  await withLock(async () => {
    const cur = await readRecord(rec.id)
    if (cur) await writeRecord({...cur, state: {...cur.state, paused: pause}})
  })
  return rec
}

/** What the monitor runs (as `container cleanup ID`) once the container's process has exited. */
export async function containerExited(id: string): Promise<void> {
  await cleanupContainer(id)
  await applyRestartPolicy(id)
}

/** On an exit the container's own process made: start it again if its --restart says so. */
export async function applyRestartPolicy(id: string): Promise<void> {
  const rec = await readRecord(id)
  if (!rec || rec.state.status !== 'exited') return
  const restarts = rec.state.restartCount ?? 0
  if (!shouldRestart(parseRestartPolicy(rec.hostConfig.restart), rec.state.exitCode, restarts, rec.state.stoppedByUser ?? false)) return
  await sleep(restartDelay(restarts))
  const cur = await withLock(async () => {
    const cur = await readRecord(id)
    // a stop, rm or start may have come while we waited
    if (!cur || cur.state.status !== 'exited' || cur.state.stoppedByUser) return undefined
    cur.state.restartCount = restarts + 1
    await writeRecord(cur)
    return cur
  })
  if (cur) await startContainer(id, {attach: false, interactive: cur.config.interactive})
}

/** `restart`: stop (SIGTERM, then SIGKILL after `timeout`), then start, detached. */
export async function restartContainer(ref: string, timeout?: number): Promise<ContainerRecord> {
  const rec = await stopContainer(ref, timeout)
  return (await startContainer(rec.id, {attach: false, interactive: rec.config.interactive})).rec
}

/** `wait`: block until the container has exited; its exit code. */
export async function waitContainer(ref: string): Promise<number> {
  const rec = await findContainer(ref)
  for (;;) {
    const cur = (await readRecord(rec.id)) ?? rec
    if (cur.state.status === 'exited' || liveStatus(cur) === 'exited') {
      // the monitor records the code and cleans up right after PID 1 ends
      await waitFor(async () => (await readRecord(rec.id))?.state.status !== 'running', 5000, 20)
      return (await readRecord(rec.id))?.state.exitCode ?? (await readExitCode(rec.id)) ?? cur.state.exitCode
    }
    await sleep(100)
  }
}

/** Wait for the launcher to die and (detached) the monitor to record the exit code. */
async function waitForExit(rec: ContainerRecord): Promise<void> {
  // polled every 2 ms: these follow a kill and end within milliseconds (rm -f waits for both)
  await waitFor(() => !isAlive(rec.state.launcherPid), 5000, 2)
  if (rec.hostConfig.detached) await waitFor(async () => (await readExitCode(rec.id)) !== undefined || !isAlive(rec.state.supervisorPid), 2000, 2)
}

export async function killContainer(ref: string, sig: string): Promise<ContainerRecord> {
  const rec = await findContainer(ref)
  if (rec.state.status !== 'running' || !isAlive(rec.state.pid, rec.state.pidStart)) {
    throw new UserError(`container ${rec.name} is not running`)
  }
  await markStoppedByUser(rec.id)
  const name = (/^\d+$/.test(sig) ? Number(sig) : sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`) as NodeJS.Signals
  try {
    process.kill(rec.state.pid, name)
  } catch (error) {
    throw new UserError(`cannot send signal ${sig}: ${(error as Error).message}`)
  }
  return rec
}

/**
 * A record whose creator was killed after the launch but before it recorded the PIDs: its
 * container may still run. The launcher wrote its own PID; the launcher's command line
 * names the container's root, so a recycled PID is never taken for it.
 */
export async function endOrphanedLaunch(rec: ContainerRecord): Promise<void> {
  const launcher = Number(await fs.readFile(pidFile(rec.id), 'utf8').catch(() => '0'))
  if (!launcher || !isAlive(launcher)) return
  const cmdline = await fs.readFile(`/proc/${launcher}/cmdline`, 'utf8').catch(() => '')
  if (!cmdline.includes(rec.id)) return
  for (const pid of [...childrenOf(launcher), launcher]) signal(pid, 'SIGKILL')
  await waitFor(() => !isAlive(launcher), 5000, 10)
}

/** Containers that joined `rec`'s network namespace and are still running. */
export async function dependents(rec: ContainerRecord): Promise<ContainerRecord[]> {
  return (await listContainers()).filter((c) => c.netnsOwner === rec.id && c.id !== rec.id && c.state.status === 'running')
}

export async function removeContainer(ref: string, force: boolean, opts: {withPod?: boolean} = {}): Promise<ContainerRecord> {
  const rec = await findContainer(ref)
  // As podman: the pause container holds the pod's namespaces; it goes only with its pod.
  const pod = rec.hostConfig.pod && !opts.withPod ? await readPod(rec.hostConfig.pod).catch(() => undefined) : undefined
  if (pod?.infraId === rec.id) {
    throw new UserError(`container ${rec.name} is the infra container of pod ${pod.name} and cannot be removed without removing the pod (minirun pod rm -f ${pod.name})`)
  }
  const running = rec.state.status === 'running' && isAlive(rec.state.pid, rec.state.pidStart)
  if (running && !force) {
    throw new UserError(`container ${rec.name} is running: stop it first (minirun stop ${rec.name}) or use rm -f`)
  }
  const deps = await dependents(rec)
  if (deps.length > 0 && !force) {
    throw new UserError(`container ${rec.name} is sharing its network namespace with ${deps.map((d) => d.name).join(', ')}: remove them first or use rm -f`)
  }
  for (const d of deps) await removeContainer(d.id, true)
  await markStoppedByUser(rec.id)
  if (running) {
    await callerCleans(rec)
    signal(rec.state.pid, 'SIGKILL', rec.state.pidStart)
    await waitFor(() => !isAlive(rec.state.pid, rec.state.pidStart), 5000, 2)
    await waitForExit(rec)
  }
  await cleanupContainer(rec.id, running ? 137 : undefined)
  await withLock(async () => {
    await unmount(rec.rootfs.merged)
    await removeStateDir(rec)
  })
  // a monitor may still be writing its exit file: let it finish into the void
  await sleep(0)
  return rec
}
