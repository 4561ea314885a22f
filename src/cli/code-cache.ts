import {createHash} from 'node:crypto'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import vm from 'node:vm'

// The fast path is one CommonJS bundle (dist/src/fast/fast.cjs) run through vm.Script with a V8
// code cache, as v8-compile-cache does for Node < 22 (Node 22's module.enableCompileCache is not
// in Node 20): compiling the bundle's functions again on every start was about a tenth of an
// `exec` (docs/BENCHMARKS.md). There is one cache per command, written after that command first
// succeeds, so it holds the functions the command ran. V8 checks a cache against its own version
// and flags but against the source's length only, not its text: a rebuilt bundle of the same
// length would run the old build's functions. So the file starts with the SHA-256 of the source it
// was made from (0.5 ms for the bundle), and a cache of another source is not given to V8. A
// rejected, missing or other source's cache is written again. Writing is best effort (a read-only
// install runs without one), and atomic (rename), as commands run in parallel.

export interface LoadedBundle<T> {
  exports: T
  /** Whether V8 took the cache (false: none, or rejected) */
  usedCache: boolean
  /** Write this command's cache if there was none or V8 rejected it. Never throws. */
  saveCache(): void
}

/** The cache file's name for argv: its command word, or `other`. Pure. */
export function cacheKey(argv: string[]): string {
  const word = argv[0] ?? ''
  return /^[a-z][a-z-]{0,30}$/.test(word) ? word : 'other'
}

export function loadBundle<T>(file: string, cacheFile: string): LoadedBundle<T> {
  const source = fs.readFileSync(file, 'utf8')
  const digest = createHash('sha256').update(source).digest()
  let cached: Buffer | undefined
  try {
    const data = fs.readFileSync(cacheFile)
    if (data.length > digest.length && data.subarray(0, digest.length).equals(digest)) cached = data.subarray(digest.length)
  } catch {}
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData: cached,
    // the bundle has no import() of its own (the build checks); this keeps one working if it did
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  const module = {exports: {} as T}
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file))
  const usedCache = cached !== undefined && !script.cachedDataRejected
  return {
    exports: module.exports,
    usedCache,
    saveCache() {
      if (usedCache) return
      const tmp = `${cacheFile}.${process.pid}.tmp`
      try {
        fs.writeFileSync(tmp, Buffer.concat([digest, script.createCachedData()]))
        fs.renameSync(tmp, cacheFile)
      } catch {
        try {
          fs.rmSync(tmp, {force: true})
        } catch {}
      }
    },
  }
}
