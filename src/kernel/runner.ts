import {spawn} from 'node:child_process'
import fs from 'node:fs'
import {constants as osConstants} from 'node:os'
import {KernelError} from '../errors.js'

// The ONLY place minirun spawns system tools. Every call can be recorded (for --explain) and a
// failing tool becomes a KernelError naming the command and its stderr.

export type Phase = 'image' | 'netns' | 'driver' | 'ports' | 'names' | 'pod' | 'launch' | 'teardown' | 'state' | 'network'

export interface RunOptions {
  /** One line: why this step is needed (printed by --explain). */
  why?: string
  input?: string
  /** Do not throw on non-zero exit (teardown of things that may already be gone). */
  allowFail?: boolean
  env?: Record<string, string>
  /** Not printed by --explain (read-only probes such as `ip -j link show`). */
  quiet?: boolean
}

export interface Result {
  stdout: string
  stderr: string
  exitCode: number
}

type Sink = (line: string) => void
let sink: Sink | undefined
let currentPhase: Phase | undefined

/** Turn on --explain: every kernel step is printed as an equivalent shell command as it runs. */
export function explainTo(out: Sink | undefined): void {
  sink = out
  currentPhase = undefined
}


export function phase(p: Phase, title?: string): void {
  if (!sink || currentPhase === p) return
  currentPhase = p
  sink(`\n# ── ${p}${title ? `: ${title}` : ''}`)
}

/** Record a step that minirun performs itself (a file write, a mkdir) as its shell equivalent. */
export function note(shellLine: string, why?: string): void {
  if (!sink) return
  if (why) sink(`# ${why}`)
  sink(shellLine)
}

/** A line of prose in the transcript (what happens without a kernel call, e.g. joining a namespace). */
export function comment(text: string): void {
  if (sink) sink(`# ${text}`)
}

/** A step that is skipped because it is already in place: shown, commented out, so the lesson stays complete. */
export function already(shellLine: string, why?: string): void {
  if (sink) sink(`# already set: ${shellLine}${why ? `  (${why})` : ''}`)
}

export function shellQuote(arg: string): string {
  if (arg === '') return "''"
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

export function shellLine(argv: string[], input?: string): string {
  const line = argv.map(shellQuote).join(' ')
  if (input === undefined) return line
  return `${line} <<'MINIRUN_EOF'\n${input.replace(/\n$/, '')}\nMINIRUN_EOF`
}

/**
 * The PATH system tools are found on: the caller's, minus node_modules/.bin entries (under npm,
 * `nft` there is @vercel/nft, a JavaScript tracer that exits 0 and does nothing) and plus the
 * sbin dirs root's tools live in.
 */
export function toolPath(): string {
  const dirs = (process.env.PATH ?? '').split(':').filter((d) => d && !d.includes('node_modules'))
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (!dirs.includes(d)) dirs.push(d)
  return dirs.join(':')
}

/** `K=V ` prefixes, so a printed command with its own environment replays as it ran. */
function envAssignments(env: Record<string, string> | undefined): string {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)} `).join('')
}

export async function run(argv: string[], opts: RunOptions = {}): Promise<Result> {
  if (sink && !opts.quiet) note(`${envAssignments(opts.env)}${shellLine(argv, opts.input)}`, opts.why)
  // node:child_process, not execa: execa's import alone costs ~90 ms, paid by every command.
  const out = await new Promise<Result & {missing?: boolean}>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {env: {...process.env, ...opts.env, PATH: toolPath()}, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout!.on('data', (b: Buffer) => stdout.push(b))
    child.stderr!.on('data', (b: Buffer) => stderr.push(b))
    child.once('error', (e: NodeJS.ErrnoException) => resolve({stdout: '', stderr: e.message, exitCode: -1, missing: e.code === 'ENOENT'}))
    child.once('close', (code, sig) => resolve({stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), exitCode: code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)}))
    if (opts.input !== undefined) child.stdin!.on('error', () => {}).end(opts.input)
  })
  if (out.missing) throw new KernelError(argv, `${argv[0]} is not installed (install iproute2, nftables, util-linux)`, undefined)
  if (out.exitCode !== 0 && !opts.allowFail) throw new KernelError(argv, out.stderr || out.stdout, out.exitCode)
  return {stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode}
}

export interface Attached {
  pid: number
  /** exit code; 128+N when the process died of signal N (as a shell reports it) */
  done: Promise<number>
}

/** Start a process sharing our stdio (foreground `run`, `exec`). */
export async function spawnAttached(argv: string[], opts: {stdin: boolean; env?: Record<string, string>; why?: string}): Promise<Attached> {
  if (sink) note(shellLine(argv), opts.why)
  const child = spawn(argv[0], argv.slice(1), {stdio: [opts.stdin ? 'inherit' : 'ignore', 'inherit', 'inherit'], env: opts.env})
  const done = new Promise<number>((resolve, reject) => {
    child.once('error', (e) => reject(new KernelError(argv, String(e.message), undefined)))
    child.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? osConstants.signals[sig] : 0)))
  })
  if (child.pid === undefined) await done
  return {pid: child.pid!, done}
}

/** Start a process that outlives minirun (a detached container's monitor): new session, stdio to a file. */
export async function spawnDetached(argv: string[], opts: {logFile: string; env?: Record<string, string>; why?: string}): Promise<number> {
  if (sink) note(`${shellLine(argv)} </dev/null >>${shellQuote(opts.logFile)} 2>&1 &`, opts.why)
  const out = fs.openSync(opts.logFile, 'a')
  try {
    const child = spawn(argv[0], argv.slice(1), {detached: true, stdio: ['ignore', out, out], env: opts.env})
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (e) => reject(new KernelError(argv, String(e.message), undefined)))
    })
    child.unref()
    return child.pid!
  } finally {
    fs.closeSync(out)
  }
}
