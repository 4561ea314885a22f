import {spawn, type ChildProcessByStdio} from 'node:child_process'
import type {Socket} from 'node:net'
import type {Readable, Writable} from 'node:stream'
import {fileURLToPath} from 'node:url'
import {UserError} from '../errors.js'

// A kernel flock(2) on the lock file, held through one small helper per minirun process
// (rootfs/tools/lockhold.c): it keeps the file open and locks / unlocks it on request (the lock
// belongs to that open file). One spawn per process, not one or two per locked section. When
// minirun dies, the helper's stdin closes, it exits, and the kernel drops the lock with the file:
// a SIGKILLed holder never leaves it behind and no staleness guess is needed.
const LOCKHOLD = fileURLToPath(new URL('../../tools/lockhold', import.meta.url))

export interface Flock {
  release(): void
}

interface Holder {
  child: ChildProcessByStdio<Writable, Readable, null>
  /** answers to requests in flight, in order */
  replies: Array<(line: string) => void>
  pending: number
}
const holders = new Map<string, Holder>()

function holderFor(file: string, waitSeconds: number): Holder {
  const known = holders.get(file)
  if (known) return known
  const child = spawn(LOCKHOLD, [file, String(Math.ceil(waitSeconds))], {stdio: ['pipe', 'pipe', 'inherit'], env: {}})
  const entry: Holder = {child, replies: [], pending: 0}
  child.stdin.on('error', () => {}) // a dead holder is reported by 'exit'
  let buf = ''
  child.stdout.on('data', (b: Buffer) => {
    buf += b.toString()
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      entry.replies.shift()?.(line)
    }
  })
  const gone = (why: string) => {
    holders.delete(file)
    for (const r of entry.replies.splice(0)) r(why)
  }
  child.once('error', (e) => gone(`error ${e.message}`))
  child.once('exit', (code) => gone(`exit ${code}`))
  holders.set(file, entry)
  return entry
}

/** Send one request; the holder keeps Node alive only while a request is in flight. */
function request(h: Holder, op: string): Promise<string> {
  const [stdin, stdout] = [h.child.stdin as Socket, h.child.stdout as Socket] // pipes are sockets
  if (h.pending++ === 0) (h.child.ref(), stdout.ref())
  return new Promise<string>((resolve) => {
    h.replies.push((line) => {
      if (--h.pending === 0) (h.child.unref(), stdout.unref(), stdin.unref())
      resolve(line)
    })
    h.child.stdin.write(`${op}\n`)
  })
}

export async function holdFlock(file: string, waitSeconds: number, what: string): Promise<Flock> {
  const h = holderFor(file, waitSeconds)
  const reply = await request(h, 'lock')
  if (reply === 'rc 0') return {release: () => void request(h, 'unlock')}
  if (reply === 'rc 1') throw new UserError(`${what} stayed locked by another minirun for ${waitSeconds}s; retry when it has finished`)
  if (reply.startsWith('error')) throw new UserError(`cannot lock ${what}: ${LOCKHOLD} is missing (${reply.slice(6)}); run npm run build`)
  throw new UserError(`cannot lock ${what} (${reply})`)
}

/**
 * A mount-table change made by this process's lock helper instead of a spawned tool (see
 * lockhold.c: overlay, umount, netns, ifup, veth, unplug): undefined when there is no helper (nothing was locked
 * yet) or an argument could not travel on its request line, so the caller spawns the tool.
 * Otherwise '' when done, or why it failed.
 */
export async function helperOp(op: 'overlay' | 'umount' | 'netns' | 'ifup' | 'veth' | 'unplug', ...args: string[]): Promise<string | undefined> {
  const h = holders.values().next().value as Holder | undefined
  if (!h || args.some((a) => a === '' || /[\t\n\0]/.test(a))) return undefined
  const reply = await request(h, [op, ...args].join('\t'))
  if (reply === 'rc 0') return ''
  return reply.startsWith('rc 1 ') ? reply.slice(5) : reply
}

/** A read-only probe of the lock helper (lockhold.c: link, nftable): its answer, or undefined. */
export async function helperProbe(op: 'link' | 'nftable', arg: string): Promise<string | undefined> {
  const h = holders.values().next().value as Holder | undefined
  if (!h || arg === '' || /[\t\n\0]/.test(arg)) return undefined
  const reply = await request(h, `${op}\t${arg}`)
  return reply.startsWith('rc 0 ') ? reply.slice(5) : undefined
}
