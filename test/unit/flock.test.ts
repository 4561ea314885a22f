import {spawn} from 'node:child_process'
import {once} from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import type {ExecutionContext} from 'ava'
import {UserError} from '../../src/errors.js'
import {holdFlock} from '../../src/kernel/flock.js'

// The store lock is a kernel flock held by a helper (rootfs/tools/lockhold.c): exclusive between
// processes, given up after the wait, and dropped by the kernel when its holder dies.

const FLOCK_JS = new URL('../../src/kernel/flock.js', import.meta.url).href

function lockFile(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minirun-flock-'))
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}))
  return path.join(dir, 'lock')
}

/** Another process holding the lock until it is killed; resolves once it holds it. */
async function otherHolder(t: ExecutionContext, file: string) {
  const script = `const {holdFlock} = await import(${JSON.stringify(FLOCK_JS)}); await holdFlock(${JSON.stringify(file)}, 5, 'test'); console.log('held'); setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']})
  t.teardown(() => child.kill('SIGKILL'))
  const [line] = (await once(child.stdout, 'data')) as [Buffer]
  t.is(line.toString().trim(), 'held')
  return child
}

test('a lock another process holds is refused after the wait, with a one-line error', async (t) => {
  const file = lockFile(t)
  await otherHolder(t, file)
  const t0 = Date.now()
  const error = await t.throwsAsync(holdFlock(file, 1, 'the test store'))
  t.true(error instanceof UserError)
  t.regex(error!.message, /^the test store stayed locked by another minirun for 1s; retry when it has finished$/)
  t.true(Date.now() - t0 >= 900, 'it waited for the lock first')
})

test('the kernel drops the lock when its holder is killed', async (t) => {
  const file = lockFile(t)
  const child = await otherHolder(t, file)
  const waiting = holdFlock(file, 10, 'the test store')
  child.kill('SIGKILL')
  const lock = await waiting
  lock.release()
  t.pass()
})

test('release lets the next locker in, within one process too', async (t) => {
  const file = lockFile(t)
  const first = await holdFlock(file, 5, 'the test store')
  first.release()
  const second = await holdFlock(file, 5, 'the test store')
  second.release()
  // and a second process gets it once this one has let go
  await otherHolder(t, file)
  t.pass()
})

test('the helper answers every request line once: an over-long one is refused (rc 2) and the next is served', async (t) => {
  const file = lockFile(t)
  const child = spawn(new URL('../../tools/lockhold', import.meta.url).pathname, [file, '1'], {stdio: ['pipe', 'pipe', 'inherit']})
  t.teardown(() => child.kill('SIGKILL'))
  let out = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  // longer than its 16 KiB line buffer: before, its tail ("lock") was read as a request of its own
  child.stdin.end(`${'x'.repeat(16384)}lock\nlock\nunlock\n`)
  await once(child, 'close') // its output read to the end, not only its exit
  t.is(out, 'rc 2\nrc 0\nrc 0\n')
})
