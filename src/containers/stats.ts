import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {planForRemoval} from '../kernel/cgroups.js'
import {instanceTag} from '../state/paths.js'
import {containerPids} from './processes.js'
import type {ContainerRecord} from './record.js'

// One reading of a container's counters for `stats`: from its cgroup v2 leaf when it has one
// (limits were asked for), otherwise summed from /proc over its processes.

export interface Sample {
  /** CPU time used so far, microseconds */
  cpuUsec: number
  memBytes: number
  memLimit: number
  pids: number
  netRx: number
  netTx: number
  blkRead: number
  blkWrite: number
  at: number
}

const read = (f: string) => {
  try {
    return fs.readFileSync(f, 'utf8')
  } catch {
    return undefined
  }
}

export function sample(rec: ContainerRecord): Sample {
  const pids = containerPids(rec)
  const leaf = planForRemoval(rec.id, instanceTag()).leaves.find((l) => read(path.join(l, 'cgroup.procs')) !== undefined && read(path.join(l, 'cpu.stat')) !== undefined)
  const s: Sample = {cpuUsec: 0, memBytes: 0, memLimit: os.totalmem(), pids: pids.length, netRx: 0, netTx: 0, blkRead: 0, blkWrite: 0, at: Date.now()}
  if (leaf) {
    s.cpuUsec = Number(/usage_usec (\d+)/.exec(read(path.join(leaf, 'cpu.stat')) ?? '')?.[1] ?? 0)
    s.memBytes = Number(read(path.join(leaf, 'memory.current')) ?? 0) || s.memBytes
    const max = read(path.join(leaf, 'memory.max'))?.trim()
    if (max && max !== 'max') s.memLimit = Number(max)
    s.pids = Number(read(path.join(leaf, 'pids.current')) ?? s.pids) || s.pids
    for (const l of (read(path.join(leaf, 'io.stat')) ?? '').split('\n')) {
      s.blkRead += Number(/rbytes=(\d+)/.exec(l)?.[1] ?? 0)
      s.blkWrite += Number(/wbytes=(\d+)/.exec(l)?.[1] ?? 0)
    }
  }
  const tick = 1e6 / 100 // USER_HZ
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`)
    if (!leaf && stat) {
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      s.cpuUsec += (Number(f[11]) + Number(f[12])) * tick
    }
    if (!leaf || !s.memBytes) s.memBytes += Number(/VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '')?.[1] ?? 0) * 1024
    if (!leaf) {
      const io = read(`/proc/${pid}/io`) ?? ''
      s.blkRead += Number(/read_bytes: (\d+)/.exec(io)?.[1] ?? 0)
      s.blkWrite += Number(/^write_bytes: (\d+)/m.exec(io)?.[1] ?? 0)
    }
  }
  // the container's own interfaces, seen from its PID 1 (lo left out, as Docker)
  for (const line of (pids.length > 0 ? read(`/proc/${rec.state.pid}/net/dev`) ?? '' : '').split('\n').slice(2)) {
    const [name, rest] = line.split(':')
    if (!rest || name.trim() === 'lo') continue
    const f = rest.trim().split(/\s+/).map(Number)
    s.netRx += f[0]
    s.netTx += f[8]
  }
  return s
}
