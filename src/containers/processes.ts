import fs from 'node:fs'
import type {ContainerRecord} from './record.js'

// The host PIDs of a running container's processes: those in its PID 1's PID namespace
// (exec'd processes join it too). Read from /proc; [] when it is not running.
export function containerPids(rec: ContainerRecord): number[] {
  const ns = (pid: number | string) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/pid`)
    } catch {
      return undefined
    }
  }
  const own = rec.state.pid > 0 ? ns(rec.state.pid) : undefined
  if (!own) return []
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && ns(d) === own)
    .map(Number)
    .sort((a, b) => a - b)
}
