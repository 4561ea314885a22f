import {AsyncLocalStorage} from 'node:async_hooks'
import fs from 'node:fs/promises'
import lockfile from 'proper-lockfile'
import {UserError} from '../errors.js'
import {paths, rootDir} from './paths.js'

// One lock per store guards every state change (names, IPAM, network records, ports).
// proper-lockfile uses an atomic mkdir and refreshes its mtime while held, so a lock left by a
// SIGKILLed minirun goes stale and is taken over instead of blocking forever.
const WAIT_MS = Number(process.env.MINIRUN_LOCK_WAIT_MS || 30_000)

// Re-entrant per async call chain (a holder may call helpers that lock again), exclusive
// between concurrent chains of the same process (queued) and between processes (the file lock).
const held = new AsyncLocalStorage<true>()
let queue: Promise<unknown> = Promise.resolve()

export async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  if (held.getStore()) return fn()
  const mine = queue.then(() => held.run(true, () => lockedRun(fn)))
  queue = mine.catch(() => {})
  return mine
}

async function lockedRun<T>(fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(rootDir(), {recursive: true})
  const started = Date.now()
  let release: () => Promise<void>
  for (;;) {
    try {
      release = await lockfile.lock(rootDir(), {lockfilePath: paths.lock(), stale: 10_000, update: 2_000, realpath: false, retries: 0})
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
      if (Date.now() - started > WAIT_MS) {
        throw new UserError(`the store ${rootDir()} is locked by another minirun for over ${WAIT_MS / 1000}s; retry, or remove ${paths.lock()} if no minirun is running`)
      }
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40))
    }
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => {})
  }
}
