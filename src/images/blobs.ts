import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {rootDir} from '../state/paths.js'
import {networkError} from './http.js'
import type {RegistryClient} from './registry.js'

// The layer cache: compressed layer blobs, content-addressed, shared by every image,
//   $MINIRUN_ROOT/blobs/sha256/<hex>
// A layer pulled (or imported) once is downloaded and stored once and reused by every later pull
// that names the same digest. Each image's rootfs stays FLATTENED (images/<id>/rootfs, all layers
// applied): stacking per-layer dirs as overlay lowerdirs would need every whiteout turned into a
// 0:0 char device and every opaque dir marked with a trusted.overlay.opaque xattr, per layer —
// more kernel surface for a disk saving that the blob cache already gives for downloads.
//
// Life of a blob: streamed to <hex>.<pid>.partial, hashed on the way; when the digest matches it
// is hard-linked into the pull's private work dir (a "pin") and renamed into place. A blob whose
// link count is above 1 is in use by a pull or import still running, so pruning skips it; pruning
// deletes only blobs that no image record lists. A partial left by a killed minirun (its pid is
// gone) is picked up by the next pull of that blob and resumed with an HTTP Range request.
// A download reads at most the descriptor's size, whatever the registry sends or announces, and
// any failure (digest, size, timeout) deletes the partial: nothing unverified stays behind.

const HEX = /^[0-9a-f]{64}$/
const PARTIAL = /^([0-9a-f]{64})\.(\d+)\.partial$/

export function blobsDir(): string {
  return path.join(rootDir(), 'blobs', 'sha256')
}

/** The hex of a sha256 digest; UserError for anything else (a digest is untrusted input). */
export function digestHex(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest)
  if (!m) throw new UserError(`unsupported or invalid digest "${digest}" (only sha256 is supported)`)
  return m[1]
}

export function blobPath(digest: string): string {
  return path.join(blobsDir(), digestHex(digest))
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code
}

/** Hard-link the stored blob into `pins` (the caller's work dir); undefined when the store lacks it. */
export async function pinBlob(digest: string, pins: string): Promise<string | undefined> {
  const pin = path.join(pins, digestHex(digest))
  await fs.mkdir(pins, {recursive: true})
  try {
    await fs.link(blobPath(digest), pin)
  } catch (error) {
    if (errno(error) === 'EEXIST') return pin
    if (errno(error) === 'ENOENT') return undefined
    throw error
  }
  return pin
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errno(error) === 'EPERM'
  }
}

/** Our partial file for `hex`, taking over one a dead minirun left (rename is the atomic claim). */
async function claimPartial(hex: string): Promise<string> {
  const mine = path.join(blobsDir(), `${hex}.${process.pid}.partial`)
  for (const name of await fs.readdir(blobsDir())) {
    const m = PARTIAL.exec(name)
    if (!m || m[1] !== hex || Number(m[2]) === process.pid || alive(Number(m[2]))) continue
    try {
      await fs.rename(path.join(blobsDir(), name), mine)
      break
    } catch {}
  }
  return mine
}

async function hashFile(file: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
}

export interface BlobDescriptor {
  digest: string
  /** Bytes, from the manifest: required, a download never reads past it. */
  size: number
}

export interface FetchedBlob {
  /** The pinned copy inside the work dir (read layers from here). */
  file: string
  /** True when this call downloaded it (it was not in the cache). */
  downloaded: boolean
}

/**
 * Make blob `desc` available pinned under `pins`: from the cache, or downloaded, verified and
 * stored. A digest or size mismatch is a UserError and leaves nothing behind. `onProgress` gets
 * the bytes held so far (a resumed download starts above 0).
 */
export async function fetchBlob(client: RegistryClient, desc: BlobDescriptor, pins: string, onProgress: (bytes: number) => void = () => {}): Promise<FetchedBlob> {
  const hex = digestHex(desc.digest)
  const cached = await pinBlob(desc.digest, pins)
  if (cached) return {file: cached, downloaded: false}
  await fs.mkdir(blobsDir(), {recursive: true})
  const partial = await claimPartial(hex)
  try {
    await download(client, desc, partial, onProgress, true)
    const pin = path.join(pins, hex)
    await fs.link(partial, pin)
    await fs.rename(partial, path.join(blobsDir(), hex))
    return {file: pin, downloaded: true}
  } catch (error) {
    await fs.rm(partial, {force: true})
    throw error
  }
}

async function download(client: RegistryClient, desc: BlobDescriptor, partial: string, onProgress: (bytes: number) => void, mayResume: boolean): Promise<void> {
  const hex = digestHex(desc.digest)
  let from = mayResume ? ((await fs.stat(partial).catch(() => undefined))?.size ?? 0) : 0
  if (from > desc.size) from = 0
  const hash = createHash('sha256')
  let held = 0
  if (from > 0 && from === desc.size) {
    await hashFile(partial, hash)
    held = from
  } else {
    const what = `layer ${desc.digest}`
    const res = await client.blob(desc.digest, from, what)
    const resumed = from > 0 && res.status === 206 && new RegExp(`^bytes ${from}-`).test(res.header('content-range') ?? '')
    if (resumed) {
      await hashFile(partial, hash)
      held = from
    }
    const declared = res.header('content-length')
    if (declared !== undefined && held + Number(declared) > desc.size) {
      res.discard()
      throw new UserError(`registry ${client.registry}: blob ${desc.digest} is ${held + Number(declared)} bytes, more than the ${desc.size} its manifest says; refusing it`)
    }
    const out = await fs.open(partial, resumed ? 'a' : 'w', 0o644)
    try {
      // Stop at the descriptor's size: whatever follows is not part of the blob (the digest decides).
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        const part = held + chunk.length > desc.size ? chunk.subarray(0, desc.size - held) : chunk
        held += part.length
        hash.update(part)
        await out.write(part)
        onProgress(held)
        if (held === desc.size) break
      }
    } catch (error) {
      throw networkError(client.registry, error)
    } finally {
      res.discard()
      await out.close()
    }
  }
  const actual = hash.digest('hex')
  if (actual !== hex || held !== desc.size) {
    await fs.rm(partial, {force: true})
    // A resumed partial may have been damaged before the crash: one clean retry from byte 0.
    if (from > 0) return download(client, desc, partial, onProgress, false)
    const why = held !== desc.size ? `is ${held} bytes, not the ${desc.size} its manifest says` : `does not match its digest (content is sha256:${actual})`
    throw new UserError(`blob ${desc.digest} from ${client.registry} ${why}; the download is corrupt, nothing was stored; retry the pull`)
  }
}

/**
 * Store a local layer file (an import) in the cache, pinned under `pins`; returns its digest.
 * `known`: its sha256, already verified by the caller (then the file is not read twice).
 */
export async function addBlobFile(file: string, pins: string, known?: string): Promise<string> {
  let digest = known
  if (!digest) {
    const hash = createHash('sha256')
    await hashFile(file, hash)
    digest = `sha256:${hash.digest('hex')}`
  }
  if (await pinBlob(digest, pins)) return digest
  await fs.mkdir(blobsDir(), {recursive: true})
  const partial = path.join(blobsDir(), `${digestHex(digest)}.${process.pid}.partial`)
  try {
    await fs.copyFile(file, partial)
    await fs.link(partial, path.join(pins, digestHex(digest)))
    await fs.rename(partial, blobPath(digest))
  } catch (error) {
    await fs.rm(partial, {force: true})
    throw error
  }
  return digest
}

/**
 * Delete stored blobs no image references (and no running pull/import has pinned); with `only`,
 * consider just those digests. Call with the store lock held. Returns the digests removed.
 */
export async function pruneBlobs(referenced: Set<string>, only?: Set<string>): Promise<string[]> {
  const removed: string[] = []
  let names: string[]
  try {
    names = await fs.readdir(blobsDir())
  } catch (error) {
    if (errno(error) === 'ENOENT') return removed
    throw error
  }
  for (const name of names) {
    const digest = `sha256:${name}`
    if (!HEX.test(name) || referenced.has(digest) || (only && !only.has(digest))) continue
    const file = path.join(blobsDir(), name)
    const st = await fs.lstat(file).catch(() => undefined)
    if (!st || st.nlink > 1) continue
    await fs.rm(file, {force: true})
    removed.push(digest)
  }
  return removed
}
