import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {detectLayout, type Layout, parentName} from './cgroups.js'
import {note, shellQuote} from './runner.js'
import {waitFor} from './proc.js'

// pause/unpause: the cgroup freezer, as Docker does it (no signal a process could see).
// A container gets its freezer cgroup only when it is first paused: every process of its PID
// namespace moves there (the monitor, outside that namespace, does not), then it is frozen.

export interface Freezer {
  dir: string
  /** v1 freezer.state FROZEN/THAWED, or v2 cgroup.freeze 1/0 */
  v2: boolean
}

/** Pure given `layout`: where container `id`'s freezer cgroup is; v1's freezer first, else cgroup2. */
export function freezerOf(id: string, tag: string, layout: Layout = detectLayout()): Freezer {
  if (layout.v1.freezer) return {dir: path.join(layout.v1.freezer, parentName(tag), id), v2: false}
  if (layout.v2) return {dir: path.join(layout.v2.mount, parentName(tag), id), v2: true}
  throw new UserError('cannot pause: this machine has no cgroup freezer (mount the v1 freezer or cgroup2 under /sys/fs/cgroup)')
}

/** Every PID in the PID namespace of `pid1` (the container's processes, exec'd ones included). */
function membersOf(pid1: number): number[] {
  const ns = fs.readlinkSync(`/proc/${pid1}/ns/pid`)
  const out: number[] = []
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (fs.readlinkSync(`/proc/${d}/ns/pid`) === ns) out.push(Number(d))
    } catch {
      // gone
    }
  }
  return out
}

async function write(file: string, value: string, why?: string): Promise<void> {
  note(`echo ${shellQuote(value)} > ${shellQuote(file)}`, why)
  await fsp.writeFile(file, value)
}

export async function freeze(f: Freezer, pid1: number): Promise<void> {
  note(`mkdir -p ${shellQuote(f.dir)}`, "the container's freezer cgroup")
  await fsp.mkdir(f.dir, {recursive: true})
  // a process forked while we move the others is born in its parent's cgroup: repeat until none is left
  for (let moved = true; moved; ) {
    moved = false
    const inside = new Set((await fsp.readFile(path.join(f.dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number))
    for (const pid of membersOf(pid1)) {
      if (inside.has(pid)) continue
      await fsp.writeFile(path.join(f.dir, 'cgroup.procs'), String(pid)).catch(() => {}) // it may have exited
      moved = true
    }
  }
  await write(path.join(f.dir, f.v2 ? 'cgroup.freeze' : 'freezer.state'), f.v2 ? '1' : 'FROZEN', 'freeze every process of the container')
  const frozen = await waitFor(() => (f.v2 ? /^frozen 1$/m.test(fs.readFileSync(path.join(f.dir, 'cgroup.events'), 'utf8')) : fs.readFileSync(path.join(f.dir, 'freezer.state'), 'utf8').trim() === 'FROZEN'), 5000, 10)
  if (!frozen) throw new UserError('the container did not freeze within 5 s; try again')
}

export async function thaw(f: Freezer): Promise<void> {
  if (!fs.existsSync(f.dir)) return
  await write(path.join(f.dir, f.v2 ? 'cgroup.freeze' : 'freezer.state'), f.v2 ? '0' : 'THAWED', 'let the container run again')
}

/** Whether the container's freezer cgroup is frozen now. */
export function isFrozen(f: Freezer): boolean {
  try {
    return f.v2 ? /^frozen 1$/m.test(fs.readFileSync(path.join(f.dir, 'cgroup.events'), 'utf8')) : fs.readFileSync(path.join(f.dir, 'freezer.state'), 'utf8').trim() !== 'THAWED'
  } catch {
    return false
  }
}

/** Once the container is gone (its processes too): remove its freezer cgroup. Idempotent. */
export async function removeFreezer(f: Freezer): Promise<void> {
  await waitFor(async () => (await fsp.rmdir(f.dir).then(() => true, (e: NodeJS.ErrnoException) => e.code === 'ENOENT')), 2000, 20)
}
