import {AsyncLocalStorage} from 'node:async_hooks'
import fs from 'node:fs/promises'
import {holdFlock} from '../kernel/flock.js'
import {paths, rootDir} from './paths.js'

// One lock per store guards every state change (names, IPAM, network records, ports): a kernel
// flock, so a crashed holder releases it at once (kernel/flock.ts).
// Re-entrant per async call chain (a holder may call helpers that lock again), exclusive
// between concurrent chains of one process (queued) and between processes (flock).

const WAIT_S = Number(process.env.MINIRUN_LOCK_WAIT_S || 120)
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
  const lock = await holdFlock(paths.lock(), WAIT_S, `the store ${rootDir()}`)
  try {
    return await fn()
  } finally {
    lock.release()
  }
}
