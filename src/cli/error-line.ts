import {describeSystemError, isSystemError} from '../state/system-errors.js'

// The one line every failed command prints (CLI.md "Errors"), and its exit code. Pure.
// A Node system error that no caller turned into words (ENOSPC from a full disk, ENAMETOOLONG,
// EACCES, EROFS...) is described here, so the user never sees `ENOSPC: ..., write` or a stack.
export function errorLine(error: unknown): {line: string; exitCode: number} {
  const e = error as {message?: unknown; exitCode?: unknown; oclif?: {exit?: unknown}}
  const exit = e?.oclif?.exit
  const raw = isSystemError(error) ? describeSystemError(error) : String(e?.message ?? error)
  const msg = raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('. ')
    .replace(/^Error:\s*/, '')
  const exitCode = typeof e?.exitCode === 'number' ? e.exitCode : typeof exit === 'number' && exit > 0 ? exit : 1
  return {line: `Error: ${msg}`, exitCode}
}
