import fs from 'node:fs/promises'
import {isAlive, sleep} from '../kernel/proc.js'
import {logFile, type ContainerRecord} from './record.js'

/** Copy the log to `out`; with follow, keep copying until PID 1 is gone. */
export async function followLogs(rec: ContainerRecord, follow: boolean, out: NodeJS.WritableStream): Promise<void> {
  let fh
  try {
    fh = await fs.open(logFile(rec.id), 'r')
  } catch {
    return // attached containers write to the terminal, not a log
  }
  try {
    const buf = Buffer.alloc(64 * 1024)
    let pos = 0
    for (;;) {
      const {bytesRead} = await fh.read(buf, 0, buf.length, pos)
      if (bytesRead > 0) {
        pos += bytesRead
        out.write(buf.subarray(0, bytesRead))
        continue
      }
      if (!follow) return
      // After PID 1 is gone, one more pass reads whatever it wrote last.
      if (!isAlive(rec.state.pid, rec.state.pidStart)) follow = false
      else await sleep(100)
    }
  } finally {
    await fh.close()
  }
}
