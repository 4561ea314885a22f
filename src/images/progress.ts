import {humanSize} from '../cli/output.js'

// One updating line on stderr while an import reads its input ("Importing layer 2/3  45% ...").
// Only on an interactive terminal: in pipes, logs and CI it prints nothing at all.

export interface Progress {
  update(bytes: number): void
  done(): void
}

const SILENT: Progress = {update() {}, done() {}}

export function progressEnabled(requested: boolean | undefined): boolean {
  return Boolean(requested && process.stderr.isTTY && !process.env.CI)
}

export function progressLine(label: string, total: number, enabled: boolean): Progress {
  if (!enabled) return SILENT
  let last = 0
  const draw = (bytes: number) => {
    const pct = total > 0 ? Math.min(100, Math.floor((bytes / total) * 100)) : 100
    process.stderr.write(`\r\u001B[K${label}  ${String(pct).padStart(3)}%  ${humanSize(bytes)} / ${humanSize(total)}`)
  }
  return {
    update(bytes) {
      const now = Date.now()
      if (now - last < 100) return
      last = now
      draw(bytes)
    },
    done() {
      process.stderr.write('\r\u001B[K')
    },
  }
}
