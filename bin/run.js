#!/usr/bin/env node
// minirun entry point. The everyday commands take the fast path (src/cli/fast.ts, bundled by the
// build into dist/src/fast/fast.cjs and run with a V8 code cache, src/cli/code-cache.ts: no oclif
// to load); the rest, and help, go through oclif, which reads the generated manifest so only the
// command being run is loaded. Every error becomes one line `Error: ...` on stderr and a non-zero
// exit (stack with MINIRUN_DEBUG=1).
// CommonJS (bin/package.json), as everything the fast path loads: starting Node's ES module
// loader for the entry file alone cost 7-8 ms of every command.
'use strict'
const path = require('node:path')
const {cacheKey, loadBundle} = require('../dist/src/fast/loader.cjs')

const dir = path.join(__dirname, '../dist/src/fast/')
const fast = loadBundle(dir + 'fast.cjs', `${dir}cache/${cacheKey(process.argv.slice(2))}.v8`)
const {errorLine, explainFileArgv, runFast} = fast.exports

async function main() {
  const argv = explainFileArgv(process.argv.slice(2))
  if (await runFast(argv)) {
    fast.saveCache()
  } else {
    const {flush, run} = await import('@oclif/core')
    // the package's directory: oclif looks for the root package.json upwards from here (from
    // this file, it would find bin/package.json)
    await run(argv, path.join(__dirname, '..'))
    await flush()
  }
}

// A command whose work never settles (the event loop ran dry while it waited) must not pass
// for a success: exit 13, as Node does for an ES module's unfinished top-level await.
let settled = false
process.on('exit', (code) => {
  if (!settled && code === 0) process.exitCode = 13
})

main().then(() => (settled = true), (error) => {
  settled = true
  const exit = error?.oclif?.exit
  if (error?.code === 'EEXIT' && typeof exit === 'number') process.exit(exit)
  if (process.env.MINIRUN_DEBUG) console.error(error)
  const {line, exitCode} = errorLine(error, process.argv.slice(2))
  process.stderr.write(line + '\n')
  process.exit(exitCode)
})
