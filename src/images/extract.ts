import {createHash} from 'node:crypto'
import {once} from 'node:events'
import fsSync, {constants as C, createReadStream} from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {Transform, pipeline, type Readable} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {Parser, type ReadEntry} from 'tar'
import {UserError} from '../errors.js'

// Safe tar extraction. node-tar only PARSES here; every write is ours, because an archive is
// untrusted input and the store runs as root: whatever an entry says, nothing may be written,
// created, chmod-ed or followed outside the destination directory.
//  - names: leading "/" and "./" are stripped; a ".." component, a NUL or an empty name is refused;
//  - parents are resolved inside the root with securejoin semantics (a symlink's target is read
//    with the root as "/", ".." never climbs above it), so `evil -> /etc` then `evil/passwd`
//    lands in <root>/etc/passwd, never in the host's /etc;
//  - the final component is never followed: an existing entry is unlinked first and files are
//    opened O_CREAT|O_EXCL|O_NOFOLLOW;
//  - symlinks are stored as given (absolute targets are normal in images) and never followed;
//  - hardlinks must point at an existing non-directory inside the root (link(2) does not follow);
//  - device nodes, FIFOs and sockets are skipped, never created;
//  - setuid/setgid bits are stripped: containers run with no_new_privs anyway, and a setuid-root
//    file inside the store would be a privilege-escalation hazard for any host user who can reach it.

export interface SizeBudget {
  used: number
  max: number
}

export interface ExtractOptions {
  /** How errors name the archive (default: its path). */
  label?: string
  /** Apply image-layer whiteouts (.wh.NAME, .wh..wh..opq) instead of writing them as files. */
  whiteouts?: boolean
  /** Uncompressed bytes allowed across several calls (shared by the layers of one image). */
  budget?: SizeBudget
  /** Called with the number of (compressed) bytes read from the file so far. */
  onProgress?: (bytesRead: number) => void
  /** Rename entries (and hard link targets) before they are checked: `cp` giving a copy a new name. */
  mapName?: (name: string) => string
}

export interface ExtractStats {
  entries: number
  bytes: number
  skippedSpecial: number
  /**
   * "sha256:<hex>" of the whole uncompressed tar stream (a layer's DiffID), hashed on the way to
   * the parser: the caller checks it against the image config without reading the file again.
   */
  digest: string
  /** The file was not compressed: `digest` is then also the file's own sha256 (its blob digest). */
  plain: boolean
  /**
   * The bytes of the tree made (lstat sizes of its non-directories, as `image ls` SIZE counts
   * them) when dest was empty and the archive replaced nothing; else undefined (walk the tree).
   */
  treeBytes?: number
}

const MAX_SYMLINK_HOPS = 255
const GZIP_MAGIC = [0x1f, 0x8b]
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd]

/** Default cap on uncompressed bytes of one import: 8 GiB, or MINIRUN_MAX_IMAGE_BYTES. */
export function defaultBudget(): SizeBudget {
  const env = Number(process.env.MINIRUN_MAX_IMAGE_BYTES)
  return {used: 0, max: Number.isFinite(env) && env > 0 ? env : 8 * 1024 ** 3}
}

export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'none'

/** Compression of a file, from its magic bytes (never from its name). */
export async function sniffCompression(file: string): Promise<Compression> {
  const fh = await fs.open(file, 'r')
  try {
    const buf = Buffer.alloc(6)
    const {bytesRead} = await fh.read(buf, 0, 6, 0)
    const starts = (magic: number[]) => bytesRead >= magic.length && magic.every((b, i) => buf[i] === b)
    if (starts(GZIP_MAGIC)) return 'gzip'
    if (starts(ZSTD_MAGIC)) return 'zstd'
    if (starts([0x42, 0x5a, 0x68])) return 'bzip2'
    if (starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz'
    return 'none'
  } finally {
    await fh.close()
  }
}

/**
 * The path components of an entry name, normalised: leading "/" and "./" stripped, "." dropped.
 * Refuses (UserError) a ".." component or a NUL. [] means the root itself.
 */
export function entryComponents(name: string, label: string): string[] {
  if (name.includes('\0')) throw new UserError(`archive ${label}: entry ${JSON.stringify(name)} contains a NUL byte; refusing to extract it`)
  const parts = name.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) throw new UserError(`archive ${label}: entry "${name}" has a ".." component (it would climb out of the image); refusing to extract it`)
  return parts
}

/** Permission bits we are willing to store: no setuid/setgid (see top), sticky only on directories. */
export function safeMode(mode: number | undefined, isDir: boolean): number {
  const m = mode ?? (isDir ? 0o755 : 0o644)
  return m & (isDir ? 0o1777 : 0o777)
}

function corrupt(label: string, why: string): UserError {
  return new UserError(`archive ${label} is truncated or corrupt: ${why.replace(/^TAR_\w+: /, '')}`)
}

let warnedSpecial = false

/** This process's umask, read without changing it (process.umask() sets it to read it). */
function currentUmask(): number {
  try {
    const m = /^Umask:\s+([0-7]+)$/m.exec(fsSync.readFileSync('/proc/self/status', 'utf8'))
    if (m) return Number.parseInt(m[1], 8)
  } catch {}
  return 0o777 // unknown: every mode is set with fchmod
}

/** Without listing it: dest may be a big directory (`cp` into /usr/bin). */
function isEmptyDir(dir: string): boolean {
  const d = fsSync.opendirSync(dir)
  try {
    return d.readSync() === null
  } finally {
    d.closeSync()
  }
}

function lstatOrUndefined(file: string): fsSync.Stats | undefined {
  try {
    return fsSync.lstatSync(file)
  } catch {
    return undefined
  }
}

/** The regular file being written: its data arrives in 'data' events of its entry. */
interface OpenFile {
  fd: number
  name: string
  size: number
  got: number
  uid?: number
  gid?: number
  mtime?: Date
  /** The mode still to set with fchmod (the umask would have cut it at open), or undefined. */
  chmod?: number
  rel: string[]
}

/**
 * Writes the entries of one archive into root (an absolute, real directory path), synchronously
 * inside the parser's events: one entry at a time either way, and each await or async call costs
 * a thread-pool or microtask round trip (five or more per file), which made an import of 2000
 * files 17 times slower than tar -x. Errors go to `fail`; after one, every entry is skipped.
 */
class TreeWriter {
  readonly stats: ExtractStats = {entries: 0, bytes: 0, skippedSpecial: 0, digest: '', plain: false}
  /** Sizes of what was made, while that is the whole tree (see ExtractStats.treeBytes). */
  treeBytes: number | undefined
  /** Root-relative real paths this archive wrote, and their ancestors: what an opaque marker must keep. */
  private readonly touched = new Set<string>()
  private readonly written = new Set<string>()
  private readonly chown = process.getuid?.() === 0
  /** Archive dir paths (as named) -> their real root-relative components; see resolveDir. */
  private readonly resolved = new Map<string, string[]>()
  /**
   * Whether a new file is ours as root:root already (so 0:0 entries need no chown): not when the
   * root is setgid, whose group new entries would inherit (the dirs we make are never setgid).
   */
  private readonly bornRootOwned: boolean
  /** Permission bits the umask takes from a new file: a mode without them is given at open. */
  private readonly umask = currentUmask()
  private open: OpenFile | undefined
  failure: unknown
  /** root + "/": entries' paths are this plus their real components (checked: no "", "." or ".."). */
  private readonly prefix: string

  constructor(
    private readonly root: string,
    private readonly label: string,
    private readonly opts: ExtractOptions,
    private readonly onFailure: (error: unknown) => void,
  ) {
    this.bornRootOwned = this.chown && process.getegid?.() === 0 && (fsSync.statSync(root).mode & 0o2000) === 0
    this.prefix = root.endsWith('/') ? root : `${root}/`
    this.treeBytes = isEmptyDir(root) ? 0 : undefined
  }

  private counted(bytes: number): void {
    if (this.treeBytes !== undefined) this.treeBytes += bytes
  }

  private abs(rel: string[]): string {
    return this.prefix + rel.join('/')
  }

  /** The first error ends the extraction: the file being written is closed, later entries are skipped. */
  fail(error: unknown): void {
    if (this.failure) return
    this.failure = error
    if (this.open) fsSync.closeSync(this.open.fd)
    this.open = undefined
    this.onFailure(error)
  }

  /** Handle an entry from the parser's 'entry' event (in archive order, one at a time). */
  take(entry: ReadEntry): void {
    if (this.failure) return void entry.resume()
    try {
      this.apply(entry)
    } catch (error) {
      entry.resume()
      this.fail(error)
    }
  }

  /** After the parser's end: a file still open never got all its bytes. */
  finish(): void {
    if (this.open && !this.failure) this.fail(corrupt(this.label, `entry "${this.open.name}" has ${this.open.got} of its ${this.open.size} bytes`))
  }

  private refuse(name: string, why: string): never {
    throw new UserError(`archive ${this.label}: entry "${name}" ${why}; refusing to extract it`)
  }

  /**
   * Resolve directory components inside the root (securejoin): returns the real root-relative
   * components. Missing directories are created when `create`, else undefined is returned.
   * Resolutions are remembered (most entries share their parent with the one before) until this
   * archive removes anything: only a removal can change where an existing path leads.
   */
  private resolveDir(comps: string[], name: string, create: boolean): string[] | undefined {
    const key = comps.join('/')
    const known = this.resolved.get(key)
    if (known) return known
    // Start from the longest prefix already resolved: the walk below is a left-to-right fold.
    let start = comps.length - 1
    let base: string[] | undefined
    for (; start > 0 && !base; start--) base = this.resolved.get(comps.slice(0, start).join('/'))
    if (base) start++
    else start = 0
    const todo = comps.slice(start)
    const resolved = base ? [...base] : []
    let hops = 0
    while (todo.length > 0) {
      const part = todo.shift()!
      if (part === '.' || part === '') continue
      if (part === '..') {
        resolved.pop() // never above the root
        continue
      }
      const candidate = this.abs([...resolved, part])
      let st
      try {
        st = fsSync.lstatSync(candidate)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        if (!create) return undefined
        fsSync.mkdirSync(candidate, {mode: 0o755})
        fsSync.chmodSync(candidate, 0o755)
        resolved.push(part)
        continue
      }
      if (st.isDirectory()) {
        resolved.push(part)
      } else if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) this.refuse(name, 'goes through too many symbolic links')
        const target = fsSync.readlinkSync(candidate)
        if (target.startsWith('/')) resolved.length = 0
        todo.unshift(...target.split('/'))
      } else if (create) {
        this.refuse(name, `needs "${[...resolved, part].join('/')}" to be a directory, but the archive made it a file`)
      } else {
        return undefined
      }
    }
    this.resolved.set(key, resolved)
    return resolved
  }

  /** Only layers need to know what they wrote (for their whiteouts); a path in `touched` has its ancestors there. */
  private mark(rel: string[]): void {
    if (!this.opts.whiteouts) return
    let key = rel.join('/')
    this.written.add(key)
    while (!this.touched.has(key)) {
      this.touched.add(key)
      const slash = key.lastIndexOf('/')
      if (slash < 0) break
      key = key.slice(0, slash)
    }
  }

  /** Make room for a new entry at abs without following it; keeps an existing real directory when asked. */
  private clear(abs: string, keepDir: boolean): boolean {
    let st
    try {
      st = fsSync.lstatSync(abs)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    if (st.isDirectory() && keepDir) return true
    this.resolved.clear() // whatever led through abs now leads elsewhere
    this.treeBytes = undefined // what it held is no longer counted
    if (st.isDirectory()) fsSync.rmSync(abs, {recursive: true, force: true}) // rm never follows symlinks inside
    else fsSync.unlinkSync(abs)
    return false
  }

  /** Run make(), which fails with EEXIST when something is at abs: then clear abs and run it again. */
  private create<T>(abs: string, make: () => T): T {
    try {
      return make()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    this.clear(abs, false)
    return make()
  }

  private needsChown(entry: ReadEntry): boolean {
    return this.chown && !(this.bornRootOwned && !entry.uid && !entry.gid)
  }

  private own(abs: string, entry: ReadEntry): void {
    if (this.needsChown(entry)) fsSync.lchownSync(abs, entry.uid ?? 0, entry.gid ?? 0)
  }

  private apply(entry: ReadEntry): void {
    if (this.opts.mapName) {
      entry.path = this.opts.mapName(entry.path)
      if (entry.type === 'Link' && entry.linkpath) entry.linkpath = this.opts.mapName(entry.linkpath)
    }
    const name = entry.path
    const comps = entryComponents(name, this.label)
    this.stats.entries++
    const type = entry.type
    if (comps.length === 0) {
      if (type === 'Directory') return void entry.resume() // "./": the root itself, already there
      this.refuse(name, `is a ${type} that would replace the root of the image`)
    }
    const base = comps.at(-1)!
    if (this.opts.whiteouts && base.startsWith('.wh.')) return this.whiteout(entry, comps)

    switch (type) {
      case 'File':
      case 'OldFile':
      case 'ContiguousFile':
        return this.file(entry, comps)
      case 'Directory': {
        const rel = this.place(comps, name)
        const abs = this.abs(rel)
        try {
          fsSync.mkdirSync(abs, {mode: 0o700})
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
          if (!this.clear(abs, true)) fsSync.mkdirSync(abs, {mode: 0o700})
        }
        this.own(abs, entry)
        fsSync.chmodSync(abs, safeMode(entry.mode, true))
        this.mark(rel)
        return void entry.resume()
      }
      case 'SymbolicLink': {
        const target = entry.linkpath ?? ''
        if (target === '' || target.includes('\0')) this.refuse(name, 'is a symbolic link with an empty or invalid target')
        const rel = this.place(comps, name)
        const abs = this.abs(rel)
        this.create(abs, () => fsSync.symlinkSync(target, abs))
        this.counted(Buffer.byteLength(target))
        this.own(abs, entry)
        this.mark(rel)
        return void entry.resume()
      }
      case 'Link':
        return this.hardlink(entry, comps)
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO':
        // Never created: a device node in the store would give its owner raw access to host hardware.
        this.stats.skippedSpecial++
        return void entry.resume()
      default:
        return void entry.resume() // GNU dump dirs, sparse/unknown types: nothing sane to write
    }
  }

  /** Resolve an entry's parent (creating missing dirs) and return the root-relative path of the entry. */
  private place(comps: string[], name: string): string[] {
    const parent = this.resolveDir(comps.slice(0, -1), name, true)!
    return [...parent, comps.at(-1)!]
  }

  private file(entry: ReadEntry, comps: string[]): void {
    const name = entry.path
    const budget = this.opts.budget
    if (budget) {
      // Checked on the header's claim, before any data: a lying 10 GB header fails here at once.
      if (budget.used + entry.size > budget.max) {
        throw new UserError(`archive ${this.label}: entry "${name}" (${entry.size} bytes) takes the image over the ${budget.max}-byte limit; set MINIRUN_MAX_IMAGE_BYTES to allow more`)
      }
      budget.used += entry.size
    }
    const rel = this.place(comps, name)
    const abs = this.abs(rel)
    const mode = safeMode(entry.mode, false)
    const modeAtOpen = (mode & this.umask) === 0
    const fd = this.create(abs, () => fsSync.openSync(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, modeAtOpen ? mode : 0o600))
    const open: OpenFile = {fd, name, size: entry.size, got: 0, mtime: entry.mtime, chmod: modeAtOpen ? undefined : mode, rel}
    if (this.needsChown(entry)) [open.uid, open.gid] = [entry.uid ?? 0, entry.gid ?? 0]
    this.open = open
    // The parser hands the data synchronously as it reads it (most files arrive whole in one chunk).
    entry.on('data', (chunk: Buffer) => {
      if (this.open !== open) return
      try {
        open.got += chunk.length
        if (open.got <= open.size) fsSync.writeSync(fd, chunk)
      } catch (error) {
        this.fail(error)
      }
    })
    entry.on('end', () => {
      if (this.open !== open) return
      try {
        this.closeFile(open)
      } catch (error) {
        this.fail(error)
      }
    })
  }

  private closeFile(open: OpenFile): void {
    this.open = undefined
    const {fd} = open
    try {
      if (open.got !== open.size) throw corrupt(this.label, `entry "${open.name}" has ${open.got} of its ${open.size} bytes`)
      if (open.uid !== undefined) fsSync.fchownSync(fd, open.uid, open.gid ?? 0)
      if (open.chmod !== undefined) fsSync.fchmodSync(fd, open.chmod)
      if (open.mtime) fsSync.futimesSync(fd, open.mtime, open.mtime)
    } finally {
      fsSync.closeSync(fd)
    }
    this.stats.bytes += open.got
    this.counted(open.got)
    this.mark(open.rel)
  }

  private hardlink(entry: ReadEntry, comps: string[]): void {
    const name = entry.path
    const linkpath = entry.linkpath ?? ''
    const targetComps = entryComponents(linkpath, this.label)
    if (targetComps.length === 0) this.refuse(name, 'is a hard link to the root')
    const targetParent = this.resolveDir(targetComps.slice(0, -1), name, false)
    const source = targetParent && this.abs([...targetParent, targetComps.at(-1)!])
    const st = source ? lstatOrUndefined(source) : undefined
    if (!source || !st) this.refuse(name, `is a hard link to "${linkpath}", which is not in the archive before it`)
    if (st.isDirectory()) this.refuse(name, `is a hard link to the directory "${linkpath}"`)
    const rel = this.place(comps, name)
    const abs = this.abs(rel)
    if (abs === source) return void entry.resume()
    this.create(abs, () => fsSync.linkSync(source, abs)) // link(2) does not follow a symlink at source
    this.counted(st.size)
    this.mark(rel)
    entry.resume()
  }

  /** `.wh.NAME` deletes NAME of earlier layers; `.wh..wh..opq` hides all earlier content of its directory. */
  private whiteout(entry: ReadEntry, comps: string[]): void {
    entry.resume()
    const name = entry.path
    const base = comps.at(-1)!
    const parent = this.resolveDir(comps.slice(0, -1), name, false)
    if (base === '.wh..wh..opq') {
      if (parent) this.opaque(parent)
      return
    }
    if (base.startsWith('.wh..wh.')) return // other AUFS metadata (.wh..wh.plnk...)
    const victim = base.slice('.wh.'.length)
    if (victim === '' || victim === '.' || victim === '..' || victim.includes('/')) this.refuse(name, 'is a whiteout of an invalid name')
    if (!parent) return
    const rel = [...parent, victim]
    if (this.written.has(rel.join('/'))) return // this layer's own entry: the whiteout is for lower layers only
    this.clear(this.abs(rel), false)
  }

  private opaque(dirRel: string[]): void {
    const abs = this.abs(dirRel)
    const st = lstatOrUndefined(abs)
    if (!st?.isDirectory()) return
    for (const child of fsSync.readdirSync(abs)) {
      const rel = [...dirRel, child]
      const key = rel.join('/')
      if (!this.touched.has(key)) {
        this.clear(path.join(abs, child), false)
        continue
      }
      const cst = fsSync.lstatSync(path.join(abs, child))
      if (cst.isDirectory()) this.opaque(rel) // keep this layer's entries, drop older ones beneath
    }
  }
}

const CHUNK = 1 << 20 // fewer, bigger chunks: most entries then arrive whole

/** The tar stream of a file, uncompressed; onProgress gets the bytes read from the file. */
async function* tarChunks(file: string, compression: Compression, onProgress?: (bytesRead: number) => void): AsyncGenerator<Buffer> {
  let read = 0
  if (compression === 'none') {
    // Sync reads: a thread-pool round trip per chunk only left the parser idle.
    const fd = fsSync.openSync(file, 'r')
    try {
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK) // a new one each time: the parser may keep slices of it
        const n = fsSync.readSync(fd, buf, 0, CHUNK, null)
        if (n === 0) return
        read += n
        onProgress?.(read)
        yield n === CHUNK ? buf : buf.subarray(0, n)
      }
    } finally {
      fsSync.closeSync(fd)
    }
  }
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length
      onProgress?.(read)
      cb(null, chunk)
    },
  })
  const source: Readable = pipeline(createReadStream(file, {highWaterMark: CHUNK}), counter, createGunzip({chunkSize: 1 << 18}), () => {})
  try {
    yield* source as AsyncIterable<Buffer>
  } finally {
    source.destroy()
  }
}

/**
 * Extract a tar (plain or gzip, detected by magic) into dest, safely (see top). On error, dest may
 * hold part of the archive: callers extract into a temp dir and remove it.
 */
export async function extractTar(file: string, dest: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  const label = opts.label ?? file
  const compression = await sniffCompression(file)
  if (compression === 'zstd') throw new UserError(`archive ${label} is zstd-compressed: zstd layers are not supported; re-save the image with gzip or uncompressed layers`)
  if (compression === 'bzip2' || compression === 'xz') throw new UserError(`archive ${label} is ${compression}-compressed, which is not supported; use a plain or gzip-compressed tar`)
  await fs.mkdir(dest, {recursive: true})
  let signalFailure: () => void = () => {}
  const failed = new Promise<void>((resolve) => (signalFailure = resolve))
  const writer = new TreeWriter(await fs.realpath(dest), label, opts, () => signalFailure())
  const fail = (error: unknown): void => writer.fail(error)

  // Decompression is ours (by magic, before the parser): the parser must not guess again.
  const parser = new Parser({brotli: false, zstd: false})
  let sawData = false
  parser.on('entry', (entry: ReadEntry) => writer.take(entry))
  parser.on('warn', (code: string, message: string) => {
    if (code === 'TAR_ENTRY_UNSUPPORTED' || code === 'TAR_ENTRY_INFO') return
    // An archive of zero blocks only (an empty layer) is valid; anything else unrecognised is not.
    if (code === 'TAR_BAD_ARCHIVE' && /Unrecognized archive format/.test(message) && !sawData) return
    fail(corrupt(label, message))
  })
  parser.on('error', (error: Error) => fail(corrupt(label, error.message)))
  const ended = once(parser, 'end')

  let tarBytes = 0
  const diffHash = createHash('sha256')
  try {
    for await (const chunk of tarChunks(file, compression, opts.onProgress)) {
      if (writer.failure) break
      if (!sawData && chunk.some((b) => b !== 0)) sawData = true
      tarBytes += chunk.length
      diffHash.update(chunk)
      if (!parser.write(chunk)) await Promise.race([once(parser, 'drain'), failed])
    }
  } catch (error) {
    fail(corrupt(label, (error as Error).message))
  }
  // node-tar keeps a cut-off header to itself: a tar is whole 512-byte blocks, and not nothing.
  if (!writer.failure && tarBytes === 0) fail(new UserError(`archive ${label} is empty: it is not a tar archive`))
  if (!writer.failure && tarBytes % 512 !== 0) fail(corrupt(label, 'it ends in the middle of a 512-byte block'))
  if (!writer.failure) {
    parser.end()
    await Promise.race([ended, failed])
    writer.finish()
  }
  if (writer.failure) throw writer.failure
  writer.stats.digest = `sha256:${diffHash.digest('hex')}`
  writer.stats.plain = compression === 'none'
  if (writer.treeBytes !== undefined) writer.stats.treeBytes = writer.treeBytes
  if (writer.stats.skippedSpecial > 0 && !warnedSpecial) {
    warnedSpecial = true
    process.stderr.write(`WARNING: skipped ${writer.stats.skippedSpecial} device node(s)/FIFO(s) in ${label}: minirun never creates them in images\n`)
  }
  return writer.stats
}
