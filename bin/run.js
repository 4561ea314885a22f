#!/usr/bin/env node
// minirun entry point. The everyday commands take the fast path (src/cli/fast.ts, bundled into
// dist/src/fast/ by the build: no oclif to load); the rest, and help, go through oclif, which
// reads the generated manifest so only the command being run is loaded. Every error becomes one
// line `Error: ...` on stderr and a non-zero exit (stack with MINIRUN_DEBUG=1).
import {errorLine, explainFileArgv, runFast} from '../dist/src/fast/fast.js'

try {
  const argv = explainFileArgv(process.argv.slice(2))
  if (!(await runFast(argv))) {
    const {flush, run} = await import('@oclif/core')
    await run(argv, import.meta.url)
    await flush()
  }
} catch (error) {
  const exit = error?.oclif?.exit
  if (error?.code === 'EEXIT' && typeof exit === 'number') process.exit(exit)
  if (process.env.MINIRUN_DEBUG) console.error(error)
  const {line, exitCode} = errorLine(error, process.argv.slice(2))
  process.stderr.write(line + '\n')
  process.exit(exitCode)
}
