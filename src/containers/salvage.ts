import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import {killMembers, planForRemoval, removeCgroups} from '../kernel/cgroups.js'
import {deleteNetns} from '../kernel/netns.js'
import {mountsUnder, unmount} from '../kernel/mount.js'
import {isAlive, waitFor} from '../kernel/proc.js'
import {phase} from '../kernel/runner.js'
import {stopForwarder} from '../networks/dns/forwarder.js'
import {releaseEndpointsOf} from '../networks/prune.js'
import {moveAside} from '../state/files.js'
import {withLock} from '../state/lock.js'
import {instanceTag, paths, rootDir} from '../state/paths.js'
import {refreshHosts} from './etc.js'
import {releaseNamesOf} from './name-index.js'
import {attachSocket} from './record.js'

// A container whose record cannot be read (truncated by a crash or a full disk) must still be
// removable: `rm -f` and `system prune` end its processes and release its kernel objects from
// what its id alone finds, then move its state dir aside for a post-mortem.
//
// Processes are found without trusting any PID the record held: the launcher (the container's
// monitor) carries the container's full 64-hex id in its command line (its root, log and exit
// file paths), and a recycled PID cannot; PID 1 and everything below it are its descendants. Members of its cgroups (with limits) are killed too.

export const corruptDir = () => path.join(rootDir(), 'corrupt')

export interface Salvage {
  /** PIDs that were sent SIGKILL */
  killed: number[]
  /** kernel objects and files released, for the report */
  released: string[]
  /** where the state dir went */
  movedTo?: string
}

/** PID → parent PID, and PID → command line, for every process now. */
function processTable(): Map<number, {ppid: number; cmd: string}> {
  const out = new Map<number, {ppid: number; cmd: string}>()
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      out.set(Number(d), {ppid, cmd: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8')})
    } catch {
      // gone while we looked
    }
  }
  return out
}

/**
 * Pure: the processes of container `id` — its launcher (named by its command line) and all
 * their descendants. Never `self` or its ancestors (a `run` attached to it).
 */
export function containerProcesses(id: string, table: Map<number, {ppid: number; cmd: string}>, self: number): number[] {
  const ancestors = new Set<number>()
  for (let p = self; p > 1 && !ancestors.has(p); p = table.get(p)?.ppid ?? 0) ancestors.add(p)
  const roots = [...table].filter(([pid, p]) => !ancestors.has(pid) && p.cmd.includes(id) && /\/tools\/launcher\0launch\0/.test(p.cmd)).map(([pid]) => pid)
  const tree = new Set(roots)
  for (let grew = true; grew; ) {
    grew = false
    for (const [pid, p] of table) if (!tree.has(pid) && tree.has(p.ppid) && !ancestors.has(pid)) (tree.add(pid), (grew = true))
  }
  return [...tree]
}

/** End every process of container `id`. Returns the PIDs signalled. */
export async function endProcessesOf(id: string): Promise<number[]> {
  const pids = containerProcesses(id, processTable(), process.pid)
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const plan = planForRemoval(id, instanceTag())
  await killMembers(plan)
  await waitFor(() => pids.every((p) => !isAlive(p)), 5000, 10)
  return pids
}

/**
 * Release what container `id` holds in the kernel and the store, read from the kernel and the
 * store themselves: mounts under its dir, its netns file, its veths, its DNAT elements, its IP
 * leases, its cgroups, its names. Idempotent. `moveDir`: move the state dir aside, else leave it.
 */
export async function releaseById(id: string, moveDir: boolean): Promise<Salvage> {
  const out: Salvage = {killed: [], released: []}
  phase('teardown', `container ${id.slice(0, 12)} (unreadable record)`)
  const networks: string[] = []
  await withLock(async () => {
    for (const m of await mountsUnder(paths.container(id))) (await unmount(m), out.released.push(`mount ${m}`))
    await stopForwarder(id, 'its container record is unreadable')
    if (fs.existsSync(paths.netns(id))) (await deleteNetns(paths.netns(id)), out.released.push(`netns ${id.slice(0, 12)}`))
    const net = await releaseEndpointsOf(id)
    networks.push(...net.networks)
    out.released.push(...net.released)
    const tag = instanceTag()
    const plan = planForRemoval(id, tag)
    if (plan.leaves.some((l) => fs.existsSync(l))) (await removeCgroups(plan), out.released.push(`cgroup ${id.slice(0, 12)}`))
    await releaseNamesOf(id)
    await fsp.rm(attachSocket(id), {force: true})
    if (moveDir && fs.existsSync(paths.container(id))) out.movedTo = await moveAside(corruptDir(), paths.container(id), id)
  })
  if (networks.length > 0) await refreshHosts(networks)
  return out
}

/** rm -f / system prune of a container whose record cannot be read. */
export async function salvageContainer(id: string): Promise<Salvage> {
  const killed = await endProcessesOf(id)
  const out = await releaseById(id, true)
  return {...out, killed}
}
