import {createHash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {gzipSync} from 'node:zlib'

// Tar archives built byte by byte, so tests can craft entries no well-behaved packer would
// write ("../x", absolute names, lying sizes, device nodes, setuid bits...).

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo'
const TYPEFLAG: Record<TarType, string> = {file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6'}

export interface TarEntry {
  name: string
  type?: TarType
  mode?: number
  data?: string | Buffer
  linkname?: string
  /** Size written in the header; defaults to the data's length (lie with it). */
  size?: number
  uid?: number
  gid?: number
}

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8')
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`)
  bytes.copy(buf, offset)
}

/** Numeric field: octal with a NUL when it fits, else GNU base-256 (big sizes). */
function writeNumber(buf: Buffer, offset: number, length: number, value: number): void {
  const octal = value.toString(8)
  if (octal.length < length) {
    writeString(buf, offset, length, octal.padStart(length - 1, '0') + '\0')
    return
  }
  buf[offset] = 0x80
  let v = BigInt(value)
  for (let i = offset + length - 1; i > offset; i--) {
    buf[i] = Number(v & 0xffn)
    v >>= 8n
  }
}

export function tarHeader(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512)
  const type = e.type ?? 'file'
  writeString(h, 0, 100, e.name)
  writeNumber(h, 100, 8, e.mode ?? (type === 'dir' ? 0o755 : 0o644))
  writeNumber(h, 108, 8, e.uid ?? 0)
  writeNumber(h, 116, 8, e.gid ?? 0)
  writeNumber(h, 124, 12, size)
  writeNumber(h, 136, 12, 1_700_000_000)
  h.write(TYPEFLAG[type], 156, 'latin1')
  writeString(h, 157, 100, e.linkname ?? '')
  writeString(h, 257, 6, 'ustar\0')
  writeString(h, 263, 2, '00')
  writeString(h, 265, 32, 'root')
  writeString(h, 297, 32, 'root')
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ')
  return h
}

/** A tar archive of the entries; `end: false` leaves out the two zero blocks (and `truncate` cuts bytes off). */
export function tarArchive(entries: TarEntry[], opts: {end?: boolean} = {}): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0))
    parts.push(tarHeader(e, e.size ?? data.length))
    if (data.length > 0) {
      parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
    }
  }
  if (opts.end !== false) parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

export function gzip(buf: Buffer): Buffer {
  return gzipSync(buf)
}

export async function writeTar(file: string, entries: TarEntry[], opts: {gzip?: boolean} = {}): Promise<string> {
  const tar = tarArchive(entries)
  await fs.mkdir(path.dirname(file), {recursive: true})
  await fs.writeFile(file, opts.gzip ? gzip(tar) : tar)
  return file
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * Every path under dir (except `skip`, relative names) with its type, mode, owner and content
 * hash or link target: two equal snapshots mean nothing there was written, chmod-ed or replaced.
 */
export async function snapshot(dir: string, skip: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const name of (await fs.readdir(d)).sort()) {
      const r = rel ? `${rel}/${name}` : name
      if (skip.includes(r)) continue
      const p = path.join(d, name)
      const st = await fs.lstat(p)
      const meta = `mode=${st.mode.toString(8)} uid=${st.uid} gid=${st.gid} nlink=${st.nlink} mtime=${st.mtimeMs}`
      if (st.isSymbolicLink()) out[r] = `link ${await fs.readlink(p)} ${meta}`
      else if (st.isDirectory()) {
        out[r] = `dir ${meta}`
        await walk(p, r)
      } else if (st.isFile()) out[r] = `file ${sha256(await fs.readFile(p))} ${meta}`
      else out[r] = `other ${meta}`
    }
  }
  await walk(dir, '')
  return out
}
