import {randomBytes} from 'node:crypto'
import fs from 'node:fs/promises'
import {closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {UserError} from '../errors.js'
import {plainReason} from './system-errors.js'

/**
 * A state file that exists but cannot be used: truncated by a crash or a full disk, not JSON, or
 * JSON of the wrong shape. It names the file, so one bad record never leaves the user guessing.
 */
export class CorruptStateError extends UserError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot read ${file}: ${reason}; run minirun system prune -f to move it aside`)
    this.name = 'CorruptStateError'
  }
}

// Readers (ps, inspect) never take the lock, so every record is written whole: temp file, fsync,
// rename, fsync of the directory. A crash or a full disk leaves the old record or the new one, and
// never a .tmp file (a failed write removes its own). `durable: false` skips the two fsyncs for a
// record that is removed when its command ends anyway (run --rm): still whole for readers (the
// rename), and one a power cut leaves empty is moved aside by prune.
// Written synchronously, as records are read (below): asynchronously, the nine steps were nine
// trips through libuv's thread pool, 4-5 ms a record, against about 0.6 ms with both fsyncs.
export async function writeJsonAtomic(file: string, value: unknown, opts: {durable?: boolean} = {}): Promise<void> {
  const durable = opts.durable ?? true
  mkdirSync(path.dirname(file), {recursive: true})
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const fd = openSync(tmp, 'wx', 0o644)
    try {
      writeFileSync(fd, JSON.stringify(value, null, 2) + '\n')
      if (durable) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } catch (error) {
    try {
      rmSync(tmp, {force: true})
    } catch {}
    // a write through a file descriptor carries no path: name the record the user would look for
    const e = error as NodeJS.ErrnoException
    if (e && typeof e === 'object' && e.code && !e.path) e.path = file
    throw error
  }
  if (durable) syncDir(path.dirname(file))
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {}
}

/**
 * The parsed file, undefined when it does not exist. `valid` checks the shape: a record that
 * parses but is not one (`null`, `[]`, a cut-off object) is corrupt too.
 * Read synchronously: a record is a few KiB, and an asynchronous read is four trips through
 * libuv's thread pool (open, stat, read, close) that a command waits for anyway: 0.3-0.7 ms each
 * against 0.03, and a bridge run reads about twenty. (A long-running process blocks for as long.)
 */
export async function readJson<T>(file: string, valid?: (v: unknown) => boolean): Promise<T | undefined> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new CorruptStateError(file, plainReason(error))
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CorruptStateError(file, text.trim() === '' ? 'the file is empty' : jsonReason(error))
  }
  if (valid && !valid(value)) throw new CorruptStateError(file, 'it is not a minirun record')
  return value as T
}

/** "Unexpected end of JSON input" → "unexpected end of JSON" (Node's wording varies by version). */
function jsonReason(error: unknown): string {
  const msg = (error as Error).message ?? String(error)
  if (/end of JSON/i.test(msg)) return 'unexpected end of JSON'
  return msg.replace(/\s*\n[\s\S]*/, '').replace(/^./, (c) => c.toLowerCase())
}

const warned = new Set<string>()

/** Listings skip a corrupt record and say so on stderr, once per file per command. */
export function warnCorrupt(error: CorruptStateError): void {
  if (warned.has(error.file)) return
  warned.add(error.file)
  process.stderr.write(`WARNING: skipping ${error.file}: ${error.reason}; run minirun system prune -f to move it aside\n`)
}

/** `read(x)` for every x, skipping (and warning about) the ones that are corrupt. */
export async function readAllSkipping<K, T>(keys: K[], read: (k: K) => Promise<T | undefined>): Promise<T[]> {
  const out: T[] = []
  for (const k of keys) {
    try {
      const v = await read(k)
      if (v !== undefined) out.push(v)
    } catch (error) {
      if (!(error instanceof CorruptStateError)) throw error
      warnCorrupt(error)
    }
  }
  return out
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return readdirSync(dir).filter((n) => !n.endsWith('.tmp') && !n.startsWith('.'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/** Where prune moves what it cannot read: ROOT/corrupt/<name>-<timestamp>, kept for a post-mortem. */
export async function moveAside(corruptDir: string, src: string, name: string): Promise<string> {
  await fs.mkdir(corruptDir, {recursive: true})
  const dest = path.join(corruptDir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  await fs.rename(src, dest)
  return dest
}
