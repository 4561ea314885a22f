import {describeSystemError, isSystemError} from '../state/system-errors.js'

// The one line every failed command prints (docs/CLI.md "Errors"), and its exit code. Pure.
// A Node system error that no caller turned into words (ENOSPC from a full disk, ENAMETOOLONG,
// EACCES, EROFS...) is described here, so the user never sees `ENOSPC: ..., write` or a stack.
// oclif's parse errors (several lines, notes about multiple-value flags) become one line that
// names the command and its --help, as Docker's do.
export function errorLine(error: unknown, argv: string[] = []): {line: string; exitCode: number} {
  const e = error as {message?: unknown; exitCode?: unknown; oclif?: {exit?: unknown}}
  const exit = e?.oclif?.exit
  const raw = isSystemError(error) ? describeSystemError(error) : String(e?.message ?? error)
  const parsed = parseErrorLine(raw, commandOf(argv))
  const msg = (parsed ?? raw)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('. ')
    .replace(/^Error:\s*/, '')
  const exitCode = typeof e?.exitCode === 'number' ? e.exitCode : typeof exit === 'number' && exit > 0 ? exit : 1
  return {line: `Error: ${msg}`, exitCode}
}

const TOPICS = new Set(['image', 'network', 'pod', 'system', 'container', 'autocomplete'])

/** "run", "network create": the command words at the front of argv. */
export function commandOf(argv: string[]): string {
  const words = argv.slice(0, TOPICS.has(argv[0]) ? 2 : 1).filter((w) => !w.startsWith('-'))
  return words.join(' ')
}

/** oclif's argument and flag errors in one line, or undefined for any other message. */
export function parseErrorLine(msg: string, command: string): string | undefined {
  const help = command ? `see 'minirun ${command} --help'` : "see 'minirun --help'"
  const cmd = command ? `"minirun ${command}"` : 'minirun'
  let m: RegExpExecArray | null
  if ((m = /^Missing (\d+) required args?:\n([\s\S]*?)(?:\nNote:|\nSee more help|$)/.exec(msg))) {
    const names = m[2].split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean).map((n) => n.toUpperCase())
    return `${cmd} requires ${names.length === 1 ? 'the argument' : 'the arguments'} ${names.join(' ')}; ${help}`
  }
  if ((m = /^Nonexistent flags?: (.+?)(?:\n|$)/.exec(msg))) return `unknown flag: ${m[1]}; ${help}`
  if ((m = /^Unexpected arguments?: (.+?)(?:\n|$)/.exec(msg))) return `${cmd} does not take the argument ${m[1]}; ${help}`
  if ((m = /^Flag (--\S+) expects a value/.exec(msg))) return `flag ${m[1]} needs a value; ${help}`
  if ((m = /^Expected (.+?) to be one of: (.+?)(?:\n|$)/.exec(msg))) return `${m[1]} is not one of: ${m[2]}; ${help}`
  if (/\nSee more help with --help$/.test(msg)) return msg.replace(/\nSee more help with --help$/, `; ${help}`).replace(/\n/g, ' ')
  return undefined
}
