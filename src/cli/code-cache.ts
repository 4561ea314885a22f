import {createHash, randomBytes} from 'node:crypto'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import vm from 'node:vm'

// The fast path is one CommonJS bundle (dist/src/fast/fast.cjs) run through vm.Script with a V8
// code cache, as v8-compile-cache does for Node < 22 (Node 22's module.enableCompileCache is not
// in Node 20): compiling the bundle's functions again on every start was about a tenth of an
// `exec` (docs/BENCHMARKS.md). There is one cache per command, written after that command first
// succeeds, so it holds the functions the command ran. V8 checks a cache against its own version
// and flags, but against the source's length only, not its text: a rebuilt bundle of the same
// length would run the old build's functions. Nor does it check the cache's own bytes (no
// checksum in release builds): a torn or corrupted file crashes the process. So the file starts
// with the SHA-256 of the source it was made from and that of the cache (0.6 ms for both), and
// any other is not given to V8. A rejected, missing, stale or damaged cache is written again.
// Writing is best effort (a read-only install runs without one), and atomic (rename), as
// commands run in parallel.

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
  // an ASCII file (the build checks): as latin1, the same text in a one-byte string
  const bytes = fs.readFileSync(file)
  const source = bytes.toString('latin1')
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest()
  const digest = sha256(bytes)
  let cached: Buffer | undefined
  try {
    // SHA-256 of the source, SHA-256 of the cache, the cache
    const data = fs.readFileSync(cacheFile)
    const payload = data.subarray(64)
    if (payload.length > 0 && data.subarray(0, 32).equals(digest) && data.subarray(32, 64).equals(sha256(payload))) cached = payload
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
      // pid and random: a process of another PID namespace may have this pid ('wx': never shared)
      const tmp = `${cacheFile}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`
      try {
        const payload = script.createCachedData()
        fs.writeFileSync(tmp, Buffer.concat([digest, sha256(payload), payload]), {flag: 'wx'})
        fs.renameSync(tmp, cacheFile)
      } catch {
        try {
          fs.rmSync(tmp, {force: true})
        } catch {}
      }
    },
  }
}
