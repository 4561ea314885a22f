import fs from 'node:fs'
import net from 'node:net'
import {UserError} from '../errors.js'
import {isAlive, waitFor} from '../kernel/proc.js'
import {findContainer} from './find.js'
import {attachSocket, exitFile} from './record.js'

// `attach`: a client of the container's monitor (rootfs/tools/launcher.c). Output comes back
// as raw bytes; what goes to the monitor is framed: [type][length, 2 bytes][payload], with
// 'd' for input and 'w' for the window size. Docker's detach keys end the session, not the container.

/** "ctrl-p,ctrl-q" → the bytes it stands for. */
export function parseDetachKeys(spec: string): Buffer {
  const bytes = spec.split(',').map((k) => {
    const ctrl = /^ctrl-([a-z@[\\\]^_])$/i.exec(k)
    if (ctrl) return ctrl[1].toUpperCase().charCodeAt(0) & 0x1f
    if (k.length === 1) return k.charCodeAt(0)
    throw new UserError(`invalid --detach-keys "${spec}": use a list like ctrl-p,ctrl-q (ctrl-<letter> or one character each)`)
  })
  if (bytes.length === 0) throw new UserError('--detach-keys needs at least one key')
  return Buffer.from(bytes)
}

export function frame(type: 'd' | 'w', payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type.charCodeAt(0), payload.length >> 8, payload.length & 0xff]), payload])
}

/**
 * Watches input for the detach sequence: bytes that may start it are held back until they
 * either complete it (detach) or stop matching (then they go to the container after all).
 */
export class DetachMatcher {
  private held = 0
  constructor(private readonly keys: Buffer) {}
  /** returns what to send on, and whether the sequence is complete */
  feed(chunk: Buffer): {send: Buffer; detach: boolean} {
    const out: number[] = []
    for (const b of chunk) {
      if (b === this.keys[this.held]) {
        this.held++
        if (this.held === this.keys.length) return {send: Buffer.from(out), detach: true}
        continue
      }
      out.push(...this.keys.subarray(0, this.held))
      this.held = 0
      if (b === this.keys[0]) this.held = 1
      else out.push(b)
    }
    return {send: Buffer.from(out), detach: false}
  }
}

export async function attach(ref: string, opts: {detachKeys: string; stdin: boolean}): Promise<number> {
  const keys = parseDetachKeys(opts.detachKeys)
  const rec = await findContainer(ref)
  if (rec.state.status !== 'running' || !isAlive(rec.state.pid, rec.state.pidStart)) {
    throw new UserError(`cannot attach to container ${rec.name}: it is not running (start it first)`)
  }
  const path = attachSocket(rec.id)
  if (!rec.hostConfig.detached || !fs.existsSync(path)) throw new UserError(`cannot attach to container ${rec.name}: it runs in the foreground of another minirun`)
  const sock = net.connect(path)
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve)
    sock.once('error', (e) => reject(new UserError(`cannot attach to container ${rec.name}: ${e.message}`)))
  })
  const stdin = process.stdin
  const tty = stdin.isTTY && rec.config.tty
  const resize = () => {
    const {rows, columns} = process.stdout
    if (rows && columns) sock.write(frame('w', Buffer.from([rows >> 8, rows & 0xff, columns >> 8, columns & 0xff])))
  }
  if (tty) {
    stdin.setRawMode(true)
    resize()
    process.stdout.on('resize', resize)
  }
  const matcher = new DetachMatcher(keys)
  let detached = false
  const onInput = (chunk: Buffer) => {
    const {send, detach} = matcher.feed(chunk)
    for (let i = 0; i < send.length; i += 0xffff) sock.write(frame('d', send.subarray(i, i + 0xffff)))
    if (detach) {
      detached = true
      sock.end()
    }
  }
  if (opts.stdin) stdin.on('data', onInput)
  sock.pipe(process.stdout, {end: false})
  await new Promise<void>((resolve) => sock.once('close', () => resolve()))
  if (tty) stdin.setRawMode(false)
  stdin.off('data', onInput)
  stdin.pause()
  process.stdout.off('resize', resize)
  if (detached) {
    process.stderr.write('\r\nread escape sequence\r\n')
    return 0
  }
  // the container ended: its exit code, as docker attach returns it
  let code = 0
  await waitFor(() => {
    const text = fs.existsSync(exitFile(rec.id)) ? fs.readFileSync(exitFile(rec.id), 'utf8') : ''
    code = Number(text.trim() || 0)
    return text !== ''
  }, 2000, 20)
  return code
}
