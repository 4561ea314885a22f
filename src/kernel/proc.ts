import fs from 'node:fs'

// Reading /proc: whether a PID is still the process we started (PIDs are recycled).

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or 0 if gone. */
export function pidStartTime(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // "Z" is the state of the thread-group leader: a process whose first thread exited while
    // another runs reads "Z" too, and is alive (a container's PID 1 can do that to look exited)
    if (rest[0] === 'Z' && fs.readdirSync(`/proc/${pid}/task`).length < 2) return 0
    return Number(rest[19])
  } catch {
    return 0
  }
}

export function isAlive(pid: number, startTime?: number): boolean {
  if (!pid) return false
  const st = pidStartTime(pid)
  return st !== 0 && (startTime === undefined || startTime === 0 || st === startTime)
}

export function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

export function signal(pid: number, sig: NodeJS.Signals | number, startTime?: number): boolean {
  if (!isAlive(pid, startTime)) return false
  try {
    process.kill(pid, sig)
    return true
  } catch {
    return false
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Wait until `cond()` holds or `ms` passes; returns whether it held. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, step = 10): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await cond()) return true
    if (Date.now() > end) return false
    await sleep(step)
  }
}
