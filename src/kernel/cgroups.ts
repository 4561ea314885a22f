import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {note, shellQuote} from './runner.js'

// Resource limits (--memory, --pids-limit, --cpus) with cgroups. cgroup v2 is used when a
// cgroup2 mount offers every controller the limits need; otherwise the v1 hierarchies
// (/sys/fs/cgroup/<ctrl>). A container's cgroup is <mount>/minirun<tag>/<64-hex id> in each
// hierarchy, so `system prune` can find the ones whose container is gone.
// Only the controllers a limit needs are used: a container without limits gets no cgroup.

export interface Limits {
  /** bytes */
  memory?: number
  /** maximum number of tasks; <= 0 means unlimited (as Docker's -1) */
  pidsLimit?: number
  /** CPUs' worth of time per period, e.g. 0.5 */
  cpus?: number
}

export type Controller = 'memory' | 'pids' | 'cpu' | 'freezer'

/** Where the cgroup hierarchies are mounted. */
export interface Layout {
  /** the cgroup2 mount point and the controllers its root offers */
  v2?: {mount: string; controllers: string[]}
  /** v1: controller -> mount point (a hierarchy may carry several, e.g. cpu,cpuacct) */
  v1: Partial<Record<Controller, string>>
}

export interface Write {
  file: string
  value: string
  /** the file may be absent (e.g. swap accounting off): skip it then */
  optional?: boolean
}

export interface CgroupPlan {
  version: 1 | 2 | 0
  id: string
  /** the container's cgroup dirs, one per hierarchy used (v2: at most one) */
  leaves: string[]
  /** minirun<tag> dirs holding the leaves: made before, removed when empty */
  parents: string[]
  /** written in order after the dirs exist (v2: subtree_control first, then the limits) */
  writes: Write[]
  /** where the kernel counts OOM kills of this cgroup (memory limit only) */
  oomFile?: string
}

const CGROUP_ROOT = '/sys/fs/cgroup'
const CPU_PERIOD = 100_000
/** Docker's floor: below this the container cannot even start its command. */
const MIN_MEMORY = 6 * 1024 * 1024
const ID = /^[0-9a-f]{64}$/

/** Check limits before anything is made; each problem is one line saying what to use instead. */
export function validateLimits(l: Limits): void {
  if (l.memory !== undefined && (!Number.isSafeInteger(l.memory) || l.memory < MIN_MEMORY)) {
    throw new UserError(`invalid --memory ${l.memory}: the minimum is 6m (6291456 bytes)`)
  }
  if (l.pidsLimit !== undefined && (!Number.isSafeInteger(l.pidsLimit) || l.pidsLimit < -1)) {
    throw new UserError(`invalid --pids-limit ${l.pidsLimit}: use a positive number of processes, or -1 for no limit`)
  }
  if (l.cpus !== undefined && (!Number.isFinite(l.cpus) || l.cpus < 0.01)) {
    throw new UserError(`invalid --cpus ${l.cpus}: use a number of CPUs of at least 0.01, e.g. --cpus 0.5`)
  }
}

/** The controllers these limits need. */
export function controllersFor(l: Limits): Controller[] {
  const out: Controller[] = []
  if (l.memory !== undefined) out.push('memory')
  if (l.pidsLimit !== undefined && l.pidsLimit > 0) out.push('pids')
  if (l.cpus !== undefined) out.push('cpu')
  return out
}

/** Read the layout from /proc/self/mounts (parseable alone for tests: see parseLayout). */
export function detectLayout(): Layout {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8')
  const layout = parseLayout(mounts, () => '')
  if (layout.v2) {
    try {
      layout.v2.controllers = fs.readFileSync(path.join(layout.v2.mount, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean)
    } catch {
      layout.v2.controllers = []
    }
  }
  return layout
}

/**
 * Pure: the hierarchies in a /proc/mounts text. `controllersOf(mount)` gives the contents of
 * a cgroup2 mount's cgroup.controllers. The first cgroup2 mount under /sys/fs/cgroup wins.
 */
export function parseLayout(mounts: string, controllersOf: (mount: string) => string): Layout {
  const layout: Layout = {v1: {}}
  for (const line of mounts.split('\n')) {
    const [, dir, type, opts] = line.split(' ')
    if (!dir?.startsWith(CGROUP_ROOT)) continue
    const mount = dir.replace(/\\040/g, ' ')
    if (type === 'cgroup2' && !layout.v2) {
      layout.v2 = {mount, controllers: controllersOf(mount).trim().split(/\s+/).filter(Boolean)}
    } else if (type === 'cgroup') {
      for (const o of opts.split(',')) if ((o === 'memory' || o === 'pids' || o === 'cpu' || o === 'freezer') && !layout.v1[o]) layout.v1[o] = mount
    }
  }
  return layout
}

export const parentName = (tag: string) => `minirun${tag}`

/**
 * Pure given `layout`: the dirs to make and the files to write for container `id` of the store
 * tagged `tag` (instanceTag()). No limits: an empty plan (version 0).
 */
export function cgroupPlan(id: string, tag: string, limits: Limits, layout?: Layout): CgroupPlan {
  validateLimits(limits)
  const need = controllersFor(limits)
  const plan: CgroupPlan = {version: 0, id, leaves: [], parents: [], writes: []}
  if (need.length === 0) return plan // without reading /proc/self/mounts: most containers have no limits
  layout ??= detectLayout()
  const v2 = layout.v2
  if (v2 && need.every((c) => v2.controllers.includes(c))) {
    const parent = path.join(v2.mount, parentName(tag))
    const leaf = path.join(parent, id)
    const enable = need.map((c) => `+${c}`).join(' ')
    plan.version = 2
    plan.parents = [parent]
    plan.leaves = [leaf]
    // v2 hands a controller to children only if every ancestor enabled it in subtree_control.
    plan.writes.push({file: path.join(v2.mount, 'cgroup.subtree_control'), value: enable}, {file: path.join(parent, 'cgroup.subtree_control'), value: enable})
    if (limits.memory !== undefined) {
      plan.writes.push({file: path.join(leaf, 'memory.max'), value: String(limits.memory)}, {file: path.join(leaf, 'memory.swap.max'), value: '0', optional: true})
      plan.oomFile = path.join(leaf, 'memory.events')
    }
    if (need.includes('pids')) plan.writes.push({file: path.join(leaf, 'pids.max'), value: String(limits.pidsLimit)})
    if (limits.cpus !== undefined) plan.writes.push({file: path.join(leaf, 'cpu.max'), value: `${cpuQuota(limits.cpus)} ${CPU_PERIOD}`})
    return plan
  }
  const missing = need.filter((c) => !layout.v1[c])
  if (missing.length > 0) {
    const flag = {memory: '--memory', pids: '--pids-limit', cpu: '--cpus', freezer: 'pause'}[missing[0]]
    throw new UserError(`cannot apply ${flag}: no cgroup hierarchy on this machine offers the ${missing[0]} controller (mount it under ${CGROUP_ROOT}, or drop ${flag})`)
  }
  plan.version = 1
  const leafOf = (c: Controller) => path.join(layout.v1[c]!, parentName(tag), id)
  for (const c of need) {
    const leaf = leafOf(c)
    if (plan.leaves.includes(leaf)) continue // one hierarchy carrying two of them
    plan.leaves.push(leaf)
    plan.parents.push(path.dirname(leaf))
  }
  if (limits.memory !== undefined) {
    const leaf = leafOf('memory')
    // memsw after the plain limit (the kernel wants memsw >= limit): no swapping around the limit.
    plan.writes.push({file: path.join(leaf, 'memory.limit_in_bytes'), value: String(limits.memory)}, {file: path.join(leaf, 'memory.memsw.limit_in_bytes'), value: String(limits.memory), optional: true})
    plan.oomFile = path.join(leaf, 'memory.oom_control')
  }
  if (need.includes('pids')) plan.writes.push({file: path.join(leafOf('pids'), 'pids.max'), value: String(limits.pidsLimit)})
  if (limits.cpus !== undefined) {
    const leaf = leafOf('cpu')
    plan.writes.push({file: path.join(leaf, 'cpu.cfs_period_us'), value: String(CPU_PERIOD)}, {file: path.join(leaf, 'cpu.cfs_quota_us'), value: String(cpuQuota(limits.cpus))})
  }
  return plan
}

function cpuQuota(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD))
}

/**
 * Make the plan's cgroups and write its limits. Register `removeCgroups(plan)` on the rollback
 * stack BEFORE calling this (it is idempotent). Retries once when a concurrent removal of an
 * empty minirun<tag> dir races the creation.
 */
export async function createCgroups(plan: CgroupPlan): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await createOnce(plan)
      return
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' && attempt < 3) continue
      if (error instanceof UserError) throw error
      throw new UserError(`cannot set up the container's cgroup: ${(error as Error).message} (see /proc/self/mounts for the cgroup hierarchies)`)
    }
  }
}

async function createOnce(plan: CgroupPlan): Promise<void> {
  if (plan.version === 2) {
    // subtree_control of the mount root and of minirun<tag> must be written before the leaf exists
    const [rootCtl, parentCtl, ...rest] = plan.writes
    await fsp.mkdir(plan.parents[0], {recursive: true})
    note(`mkdir -p ${shellQuote(plan.parents[0])}`, 'a cgroup for the containers of this store')
    await writeOne(rootCtl)
    await writeOne(parentCtl)
    await fsp.mkdir(plan.leaves[0], {recursive: false}).catch(existsOk)
    note(`mkdir ${shellQuote(plan.leaves[0])}`, "the container's own cgroup (v2)")
    for (const w of rest) await writeOne(w)
    return
  }
  for (const leaf of plan.leaves) {
    await fsp.mkdir(leaf, {recursive: true})
    note(`mkdir -p ${shellQuote(leaf)}`, "the container's own cgroup (v1)")
  }
  for (const w of plan.writes) await writeOne(w)
}

function existsOk(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EEXIST') throw error
}

async function writeOne(w: Write): Promise<void> {
  if (w.optional && !fs.existsSync(w.file)) return
  try {
    await fsp.writeFile(w.file, w.value)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e.code === 'ENOENT') throw e
    throw new UserError(`cannot write ${w.value} to ${w.file}: ${e.code ?? e.message}`)
  }
  note(`echo ${shellQuote(w.value)} > ${shellQuote(w.file)}`, w.file.endsWith('subtree_control') ? 'hand the controllers down to child cgroups' : undefined)
}

/**
 * The launcher writes 0 (= the writing process, in v1 and v2) into each of these before it makes
 * the container's namespaces: everything it forks and execs stays there.
 */
/** The cgroup.procs files a container's first process writes itself into, before anything runs. */
export function procsFiles(plan: CgroupPlan): string[] {
  return plan.leaves.map((leaf) => path.join(leaf, 'cgroup.procs'))
}

/** Whether the kernel's OOM killer killed a process of this cgroup. Read it before removeCgroups. */
export async function oomKilled(plan: CgroupPlan): Promise<boolean> {
  if (!plan.oomFile) return false
  const text = await fsp.readFile(plan.oomFile, 'utf8').catch(() => '')
  return oomKillCount(text) > 0
}

/** Pure: the `oom_kill N` line of memory.oom_control (v1) or memory.events (v2). */
export function oomKillCount(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text)
  return m ? Number(m[1]) : 0
}

/**
 * Remove the plan's cgroups (and minirun<tag> when it is left empty). Idempotent. A cgroup
 * stays busy until its last process is reaped, so rmdir is retried for up to `waitMs`.
 * Returns the dirs that could not be removed (empty when all are gone).
 */
export async function removeCgroups(plan: CgroupPlan, waitMs = 2000): Promise<string[]> {
  const left: string[] = []
  for (const leaf of plan.leaves) {
    if (!(await rmdirRetry(leaf, waitMs))) left.push(leaf)
    else note(`rmdir ${shellQuote(leaf)}`)
  }
  for (const parent of plan.parents) {
    // Shared by every container of the store: only removed when it is empty; others may be using it.
    await fsp.rmdir(parent).catch(() => {})
  }
  return left
}

async function rmdirRetry(dir: string, waitMs: number): Promise<boolean> {
  const until = Date.now() + waitMs
  for (;;) {
    try {
      await fsp.rmdir(dir)
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return true
      if (Date.now() >= until) return false
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

/** SIGKILL what is left in a dead container's cgroups (prune): it is minirun's, nobody else's. */
export async function killMembers(plan: CgroupPlan): Promise<void> {
  for (const leaf of plan.leaves) {
    const procs = await fsp.readFile(path.join(leaf, 'cgroup.procs'), 'utf8').catch(() => '')
    for (const pid of procs.split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}

/** Every cgroup dir minirun could have made for `id` (for prune, when the record is gone). */
export function planForRemoval(id: string, tag: string, layout: Layout = detectLayout()): CgroupPlan {
  const bases = cgroupBases(tag, layout)
  return {version: 0, id, leaves: bases.map((b) => path.join(b, id)), parents: bases, writes: []}
}

function cgroupBases(tag: string, layout: Layout): string[] {
  const mounts = new Set<string>(Object.values(layout.v1))
  if (layout.v2) mounts.add(layout.v2.mount)
  return [...mounts].map((m) => path.join(m, parentName(tag)))
}

/** Ids of the containers that have a cgroup of this store, in any hierarchy. */
export async function listCgroupIds(tag: string, layout: Layout = detectLayout()): Promise<string[]> {
  const ids = new Set<string>()
  for (const base of cgroupBases(tag, layout)) {
    for (const name of await fsp.readdir(base).catch(() => [] as string[])) if (ID.test(name)) ids.add(name)
  }
  return [...ids].sort()
}
