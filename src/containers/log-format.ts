// The container log as the monitor (rootfs/tools/launcher.c) writes it, one CRI record per
// line: "TIME STREAM F|P DATA". P: the line goes on in the next record (a chunk without its
// newline yet, or binary output); F: the line ends here. Pure, so it is tested on its own.

export type Stream = 'stdout' | 'stderr'

export interface LogLine {
  /** time of the line's first record (RFC 3339, nanoseconds) */
  time: string
  stream: Stream
  /** the bytes as the container wrote them, newline included when the line is complete */
  data: Buffer
}

/** Complete records of `buf` joined into lines (per stream); `rest` is an unfinished record. */
export function parseLog(buf: Buffer, open: Partial<Record<Stream, LogLine>> = {}): {lines: LogLine[]; rest: Buffer; open: Partial<Record<Stream, LogLine>>} {
  const lines: LogLine[] = []
  let pos = 0
  for (;;) {
    const nl = buf.indexOf(10, pos)
    if (nl < 0) break
    const rec = buf.subarray(pos, nl)
    pos = nl + 1
    const s1 = rec.indexOf(32)
    const s2 = rec.indexOf(32, s1 + 1)
    if (s1 < 0 || s2 < 0 || rec.length < s2 + 3) continue // not a record (a log from before the monitor)
    const time = rec.subarray(0, s1).toString()
    const stream = rec.subarray(s1 + 1, s2).toString() as Stream
    const partial = rec[s2 + 1] === 0x50 // 'P'
    const data = rec.subarray(s2 + 3)
    const cur = open[stream]
    const line: LogLine = cur ? {...cur, data: Buffer.concat([cur.data, data])} : {time, stream, data: Buffer.from(data)}
    if (partial) {
      open[stream] = line
    } else {
      delete open[stream]
      lines.push({...line, data: Buffer.concat([line.data, Buffer.from('\n')])})
    }
  }
  return {lines, rest: buf.subarray(pos), open}
}

/** `--since`: an RFC 3339 time, Unix seconds, or a duration before now (10s, 5m, 2h). */
export function parseSince(since: string, now = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(since)
  if (d) return now - Number(d[1]) * {s: 1000, m: 60_000, h: 3_600_000}[d[2] as 's' | 'm' | 'h']
  if (/^\d+(\.\d+)?$/.test(since)) return Number(since) * 1000
  const t = Date.parse(since)
  if (Number.isNaN(t)) throw new Error(`invalid --since "${since}": give a time (2026-12-01T15:00:00Z), Unix seconds, or a duration (10m)`)
  return t
}

/** Milliseconds of a record time; nanoseconds are kept only to the millisecond. */
export const timeOf = (line: LogLine) => Date.parse(line.time.replace(/(\.\d{3})\d*Z$/, '$1Z'))
