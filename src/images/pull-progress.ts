import {humanSize} from '../cli/output.js'

// One line per layer while a pull downloads, redrawn in place on an interactive stderr:
//   3f4a5b6c7d8e: Downloading  45%  12.3MB / 27.1MB  3.40MB/s
// Never drawn in pipes, logs or CI (the caller passes enabled=false): nothing at all is printed there.

export interface LayerBar {
  update(bytes: number): void
  finish(status: string): void
}

export interface Line {
  label: string
  total: number
  bytes: number
  started: number
  status?: string
}

export class PullProgress {
  private readonly lines: Line[] = []
  private drawn = 0
  private last = 0

  constructor(private readonly enabled: boolean) {}

  add(label: string, total: number): LayerBar {
    const line: Line = {label, total, bytes: 0, started: Date.now()}
    this.lines.push(line)
    this.draw(true)
    return {
      update: (bytes) => {
        line.bytes = bytes
        this.draw(false)
      },
      finish: (status) => {
        line.status = status
        this.draw(true)
      },
    }
  }

  /** Leave the finished lines on screen. */
  end(): void {
    this.draw(true)
  }

  private draw(force: boolean): void {
    if (!this.enabled) return
    const now = Date.now()
    if (!force && now - this.last < 100) return
    this.last = now
    let out = this.drawn > 0 ? `\u001B[${this.drawn}A` : ''
    for (const l of this.lines) out += `\r\u001B[K${render(l, now)}\n`
    this.drawn = this.lines.length
    process.stderr.write(out)
  }
}

export function render(l: Line, now: number): string {
  if (l.status) return `${l.label}: ${l.status}`
  const pct = l.total > 0 ? Math.min(100, Math.floor((l.bytes / l.total) * 100)) : 0
  const secs = (now - l.started) / 1000
  const speed = secs > 0.2 ? `  ${humanSize(l.bytes / secs)}/s` : ''
  return `${l.label}: Downloading ${String(pct).padStart(3)}%  ${humanSize(l.bytes)} / ${humanSize(l.total)}${speed}`
}
