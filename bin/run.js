#!/usr/bin/env node
// minirun entry point. The everyday commands take the fast path (src/cli/fast.ts, bundled by the
// build into dist/src/fast/fast.cjs and run with a V8 code cache, src/cli/code-cache.ts: no oclif
// to load); the rest, and help, go through oclif, which reads the generated manifest so only the
// command being run is loaded. Every error becomes one line `Error: ...` on stderr and a non-zero
// exit (stack with MINIRUN_DEBUG=1).
import {fileURLToPath} from 'node:url'
import {cacheKey, loadBundle} from '../dist/src/cli/code-cache.js'

const dir = fileURLToPath(new URL('../dist/src/fast/', import.meta.url))
const fast = loadBundle(dir + 'fast.cjs', `${dir}cache/${cacheKey(process.argv.slice(2))}.v8`)
const {errorLine, explainFileArgv, runFast} = fast.exports

try {
  const argv = explainFileArgv(process.argv.slice(2))
  if (await runFast(argv)) {
    fast.saveCache()
  } else {
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
