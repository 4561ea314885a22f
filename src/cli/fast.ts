import fs from 'node:fs'
import path from 'node:path'
import {type ManifestCommand, type Parsed, parseManifestArgv, takeExplainFile} from './argv.js'

// The everyday commands skip oclif: loading @oclif/core alone costs more than Node's own start
// (docs/ARCHITECTURE.md, docs/BENCHMARKS.md). Their flags still come from the oclif definitions, read
// from the generated manifest, and they call the same handlers as the oclif commands. Anything
// the plain parser does not accept (help, unknown flags, bad values) goes to oclif unchanged.

type Handler = (p: Parsed) => Promise<void>
const FAST: Record<string, {tail?: boolean; handle: Handler}> = {
  ps: {handle: async (p) => (await import('./handlers/ps.js')).ps(p.flags)},
  run: {tail: true, handle: async (p) => (await import('./handlers/run.js')).run(p.args[0], p.rest, p.flags)},
  exec: {tail: true, handle: async (p) => (await import('./handlers/exec.js')).exec(p.args[0], p.rest, p.flags)},
  rm: {handle: async (p) => (await import('./handlers/end.js')).rm(p.args, p.flags)},
  stop: {handle: async (p) => (await import('./handlers/end.js')).stop(p.args, p.flags)},
  kill: {handle: async (p) => (await import('./handlers/end.js')).kill(p.args, p.flags)},
  inspect: {handle: async (p) => (await import('./handlers/show.js')).inspect(p.args, p.flags)},
  logs: {handle: async (p) => (await import('./handlers/show.js')).logs(p.args[0], p.flags)},
  'image:import': {handle: async (p) => (await import('./handlers/image.js')).imageImport(p.args[0], p.args[1])},
  'image:rm': {handle: async (p) => (await import('./handlers/image.js')).imageRm(p.args, p.flags)},
  // The monitor becomes this when a detached container exits: the exit path is timed too.
  'container:cleanup': {handle: async (p) => (await import('../containers/lifecycle.js')).containerExited(p.args[0])},
}

/** The manifest id and the arguments after it: `container cleanup ID` is `container:cleanup`. */
function commandOf(argv: string[]): [string, string[]] {
  if ((argv[0] === 'container' || argv[0] === 'image') && argv[1] !== undefined) return [`${argv[0]}:${argv[1]}`, argv.slice(2)]
  return [argv[0], argv.slice(1)]
}

// `container ls`, `container rm`...: Docker's management-command spellings of the same commands
const CONTAINER: Record<string, string> = {ls: 'ps', list: 'ps', ps: 'ps', rm: 'rm', remove: 'rm', inspect: 'inspect', logs: 'logs', exec: 'exec', stop: 'stop', kill: 'kill', run: 'run'}

function readManifest(): {commands: Record<string, ManifestCommand>} | undefined {
  try {
    return JSON.parse(fs.readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * `--explain=FILE` → `--explain`, with FILE left in MINIRUN_EXPLAIN_FILE for startExplain: the
 * flag stays a boolean (plain `--explain` and the fast path unchanged) and only minirun's own
 * flags are looked at (`run busybox echo --explain=x` is the container's).
 */
export function explainFileArgv(argv: string[]): string[] {
  if (!argv.some((a) => a.startsWith('--explain='))) return argv
  const manifest = readManifest()
  const two = `${argv[0]}:${argv[1]}`
  const [id, skip] = manifest?.commands[two] ? [two, 2] : [argv[0], 1]
  const cmd = manifest?.commands[id]
  if (!cmd?.flags.explain) return argv
  const taken = takeExplainFile(argv.slice(skip), cmd.flags, id === 'run' || id === 'create' || id === 'exec')
  if (taken.file === undefined) return argv
  process.env.MINIRUN_EXPLAIN_FILE = path.resolve(taken.file)
  return [...argv.slice(0, skip), ...taken.argv]
}

/** Run argv on the fast path; false when oclif must handle it. */
export async function runFast(argv: string[]): Promise<boolean> {
  if (argv[0] === 'container' && Object.hasOwn(CONTAINER, argv[1] ?? '')) argv = [CONTAINER[argv[1]], ...argv.slice(2)]
  const [id, rest] = commandOf(argv)
  const fast = Object.hasOwn(FAST, id) ? FAST[id] : undefined
  if (!fast) return false
  const manifest = readManifest()
  if (!manifest) return false // not built with a manifest: oclif finds the commands itself
  const cmd = manifest.commands[id]
  const parsed = cmd && parseManifestArgv(rest, cmd, fast.tail ?? false)
  if (!parsed) return false
  await fast.handle(parsed)
  return true
}
export {errorLine} from './error-line.js'
