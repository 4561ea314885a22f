import {once} from 'node:events'
import fs from 'node:fs/promises'
import {UserError} from '../errors.js'
import {isAlive, sleep} from '../kernel/proc.js'
import {type LogLine, parseLog, parseSince, timeOf} from './log-format.js'
import {logFile, type ContainerRecord} from './record.js'

export interface LogOptions {
  follow: boolean
  /** only the last N lines ("all": every line) */
  tail?: string
  timestamps: boolean
  since?: string
}

async function write(out: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  // the chunk is never reused, and a slow reader (a pipe) holds us back instead of being overrun
  if (!out.write(chunk)) await once(out, 'drain')
}

/** Print the container's log: stdout records to `stdout`, stderr records to `stderr`. */
export async function followLogs(rec: ContainerRecord, opts: LogOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<void> {
  let since: number | undefined
  let tail: number | undefined
  try {
    since = opts.since === undefined ? undefined : parseSince(opts.since)
  } catch (error) {
    throw new UserError((error as Error).message)
  }
  if (opts.tail !== undefined && opts.tail !== 'all') {
    if (!/^\d+$/.test(opts.tail)) throw new UserError(`invalid --tail "${opts.tail}": give a number of lines or "all"`)
    tail = Number(opts.tail)
  }
  let fh
  try {
    fh = await fs.open(logFile(rec.id), 'r')
  } catch {
    return // nothing written yet
  }
  const print = async (lines: LogLine[]) => {
    for (const l of lines) {
      if (since !== undefined && timeOf(l) < since) continue
      const data = opts.timestamps ? Buffer.concat([Buffer.from(l.time + ' '), l.data]) : l.data
      await write(l.stream === 'stderr' ? stderr : stdout, data)
    }
  }
  try {
    let pos = 0
    let rest = Buffer.alloc(0)
    let open = {}
    let first = true
    const tailBuf: LogLine[] = []
    for (;;) {
      const buf = Buffer.alloc(256 * 1024)
      const {bytesRead} = await fh.read(buf, 0, buf.length, pos)
      if (bytesRead > 0) {
        pos += bytesRead
        const parsed = parseLog(Buffer.concat([rest, buf.subarray(0, bytesRead)]), open)
        rest = Buffer.from(parsed.rest)
        open = parsed.open
        // --tail applies to what is there when logs starts: read it all, then print the end
        if (first && tail !== undefined) {
          tailBuf.push(...parsed.lines)
          if (tailBuf.length > tail) tailBuf.splice(0, tailBuf.length - tail)
        } else {
          await print(parsed.lines)
        }
        continue
      }
      if (first) {
        first = false
        if (tail !== undefined) await print(tailBuf.splice(0))
      }
      if (!opts.follow) return
      // once the monitor is gone, one more pass reads whatever it wrote last
      if (!isAlive(rec.state.supervisorPid, rec.state.supervisorStart) && !isAlive(rec.state.pid, rec.state.pidStart)) opts = {...opts, follow: false}
      else await sleep(100)
    }
  } finally {
    await fh.close()
  }
}
