import test from 'ava'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import vm from 'node:vm'
import {cacheKey, loadBundle} from '../../src/cli/code-cache.js'

// A bundle like dist/src/fast/fast.cjs: CommonJS, requiring a builtin and a file beside it.
function bundleDir(t: {teardown(f: () => void): void}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-'))
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}))
  fs.writeFileSync(path.join(dir, 'dep.cjs'), 'module.exports = 40')
  fs.writeFileSync(path.join(dir, 'b.cjs'), `const p = require('node:path'); exports.answer = () => require('./dep.cjs') + p.basename(__dirname).length * 0 + 2; exports.file = __filename`)
  return dir
}

test('cacheKey: the command word, or other', (t) => {
  t.is(cacheKey(['exec', 'c', 'true']), 'exec')
  t.is(cacheKey(['container', 'cleanup', 'x']), 'container')
  for (const argv of [[], ['--help'], ['../x'], ['Run'], ['a'.repeat(40)]]) t.is(cacheKey(argv), 'other', argv.join(' '))
})

// Each load in a process of its own, as the CLI does: V8 compiles a source once per process and
// would not look at the cache again.
const MODULE = new URL('../../src/cli/code-cache.js', import.meta.url).href
function load(file: string, cache: string, save = true): {used: boolean; answer: number; file: string} {
  const code = `import {loadBundle} from ${JSON.stringify(MODULE)}
    const b = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(cache)})
    console.log(JSON.stringify({used: b.usedCache, answer: b.exports.answer(), file: b.exports.file}))
    if (${save}) b.saveCache()`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8'}))
}

test('loadBundle: runs the bundle; the cache is written once, then used; a bad cache is rejected and rewritten', (t) => {
  const dir = bundleDir(t)
  const file = path.join(dir, 'b.cjs')
  const cache = path.join(dir, 'b.v8')
  t.deepEqual(load(file, cache), {used: false, answer: 42, file})
  const written = fs.readFileSync(cache)
  t.true(written.length > 0)
  t.deepEqual(load(file, cache), {used: true, answer: 42, file}, 'V8 takes the cache')
  fs.writeFileSync(cache, Buffer.alloc(written.length, 7))
  t.false(load(file, cache).used, 'V8 rejects a bad one')
  t.true(load(file, cache).used, 'which was replaced by a good one')
  fs.appendFileSync(file, '\n// changed')
  t.false(load(file, cache, false).used, 'a changed bundle does not take the old cache')
  t.deepEqual(fs.readdirSync(dir).sort(), ['b.cjs', 'b.v8', 'dep.cjs'], 'no temporary file left')
})

// V8 checks a code cache against the source's length only, not its text: a rebuilt bundle of the
// same length (a one-character fix: '<' for '>', 0o700 for 0o755) would run the functions compiled
// from the old one. npm run build:fast, or a copy of dist over an install, keeps dist/src/fast/cache.
test('loadBundle: a bundle changed to one of the same length does not run the old cache', (t) => {
  const dir = bundleDir(t)
  const file = path.join(dir, 'b.cjs')
  const cache = path.join(dir, 'b.v8')
  t.deepEqual(load(file, cache), {used: false, answer: 42, file})
  t.true(load(file, cache).used, 'control: the unchanged bundle takes its cache')
  const before = fs.readFileSync(file, 'utf8')
  const after = before.replace('+ 2', '+ 3')
  t.is(after.length, before.length)
  fs.writeFileSync(file, after)
  t.deepEqual(load(file, cache), {used: false, answer: 43, file}, 'the new code runs, not the cached old one')
  t.true(load(file, cache).used, 'and its own cache is written and used')
  t.deepEqual(fs.readdirSync(dir).sort(), ['b.cjs', 'b.v8', 'dep.cjs'], 'no temporary file left')
})

// Nor does V8 check the cache's own bytes (no checksum in release builds): a cache torn or
// corrupted on disk was deserialized, and the CLI died (SIGSEGV, SIGTRAP) on every run of that
// command, without rewriting it. The file also carries the SHA-256 of the cache itself.
test('loadBundle: a corrupted cache is not given to V8, and is rewritten', (t) => {
  const dir = bundleDir(t)
  const file = path.join(dir, 'b.cjs')
  const cache = path.join(dir, 'b.v8')
  load(file, cache)
  t.true(load(file, cache).used, 'control: the intact cache is used')
  const good = fs.readFileSync(cache)
  const bad = Buffer.from(good)
  bad[bad.length - 20] ^= 0x5a
  fs.writeFileSync(cache, bad)
  t.deepEqual(load(file, cache), {used: false, answer: 42, file}, 'the corrupted cache is not used')
  t.true(load(file, cache).used, 'and a good one replaced it')
})

test('loadBundle: a cache that cannot be written is skipped without a word', (t) => {
  const dir = bundleDir(t)
  const loaded = loadBundle<{answer(): number}>(path.join(dir, 'b.cjs'), path.join(dir, 'missing-dir', 'b.v8'))
  t.notThrows(() => loaded.saveCache())
  t.is(loaded.exports.answer(), 42)
})

// The fast path was ES modules (strict code); bundled to CommonJS behind a banner, esbuild's
// "use strict" came second and was no directive, so the bundle ran as sloppy code: writes to
// read-only properties silently dropped, `this` the global object in plain calls. A `with`
// statement, a SyntaxError in strict code only, shows which mode the bundle's top level is in.
test('the fast bundle (dist/src/fast/fast.cjs) is strict code, as the ES modules it is made from', (t) => {
  const file = new URL('../../src/fast/fast.cjs', import.meta.url)
  const source = fs.readFileSync(file, 'utf8')
  const compile = (text: string) => new vm.Script(`(function (exports, require, module, __filename, __dirname) {${text}\n;with ({}) {}\n})`)
  t.notThrows(() => compile('void 0;\n' + source.replace(/^("use strict";\s*)+/, '')), 'control: sloppy code takes a with statement')
  t.throws(() => compile(source), {instanceOf: SyntaxError}, 'the bundle as run is strict')
})
