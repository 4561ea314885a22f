import {randomBytes} from 'node:crypto'
import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {listDir, readJson, writeJsonAtomic} from '../state/files.js'
import {withLock} from '../state/lock.js'
import {paths} from '../state/paths.js'
import {BUSYBOX_CONFIG, BUSYBOX_REF, buildBusyboxRootfs, busyboxRecipe} from './busybox.js'
import {addBlobFile, pruneBlobs} from './blobs.js'
import type {ImageSource} from './formats.js'
import {looksLikeId, normalizeRef, parseImageRef} from './refs.js'
import {isVerified, type ImageConfig, type ImageRecord} from './types.js'
import {byText} from '../util/compare.js'

// The image store: $MINIRUN_ROOT/images/<id>/{image.json,rootfs/}.
// Long work (unpacking, building busybox) happens in a private dir under paths.tmp() (same
// filesystem); the store lock is held only to rename it into place and move tags, so one slow
// import never blocks `run`. Readers never lock: records are written whole (temp + rename).
// An unpacked rootfs is reused only when its record's id AND chainId match what is being
// installed (diffids.ts); records from before layers were checked (no chainId) are never used:
// such images must be pulled or imported again, which replaces them.

const RECORD = 'image.json'

async function readRecord(id: string): Promise<ImageRecord | undefined> {
  return readJson<ImageRecord>(path.join(paths.image(id), RECORD))
}

async function writeRecord(rec: ImageRecord): Promise<void> {
  await writeJsonAtomic(path.join(paths.image(rec.id), RECORD), rec)
}

export async function listImages(): Promise<ImageRecord[]> {
  const out: ImageRecord[] = []
  for (const id of await listDir(paths.images())) {
    const rec = await readRecord(id).catch(() => undefined)
    if (rec) out.push(rec)
  }
  return out.sort((a, b) => byText(b.created, a.created))
}

/** A fresh private working dir under the store's tmp (same filesystem as images/, so rename works). */
/** A private work dir in the store's tmp; its name carries our PID so `system prune` can tell a crashed one. */
export async function makeWorkDir(kind: string): Promise<string> {
  await fs.mkdir(paths.tmp(), {recursive: true})
  return fs.mkdtemp(path.join(paths.tmp(), `${kind}-${process.pid}-`))
}

// Sync: an image is thousands of entries, and the async rm paid a thread-pool round trip for
// each (`image rm` of 2000 files: 140 ms of CPU against 20 for rm -rf); nothing else waits.
export async function removeTree(dir: string): Promise<void> {
  try {
    unlinkTree(dir)
  } catch {
    fsSync.rmSync(dir, {recursive: true, force: true, maxRetries: 3}) // gone already, busy, or odd: rm's own retries
  }
}

/** rm -r that takes each entry's type from its directory entry: no lstat per file (half of rmSync's cost). */
function unlinkTree(dir: string): void {
  for (const e of fsSync.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) unlinkTree(p)
    else fsSync.unlinkSync(p) // a symlink is removed, never followed
  }
  fsSync.rmdirSync(dir)
}

/** Ids of containers whose record says they run on this image. */
export async function containersUsing(imageId: string): Promise<string[]> {
  const users: string[] = []
  for (const id of await listDir(paths.containers())) {
    const rec = await readJson<{imageId?: unknown}>(path.join(paths.container(id), 'container.json')).catch(() => undefined)
    if (rec && rec.imageId === imageId) users.push(id)
  }
  return users
}

/** Bytes of the files in a tree (regular files and link targets), as `image ls` SIZE. */
export async function treeSize(dir: string): Promise<number> {
  // Sync calls: thousands of async lstats cost a thread-pool round trip each, and nothing else waits.
  let total = 0
  const walk = (d: string): void => {
    for (const e of fsSync.readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else total += fsSync.lstatSync(p).size
    }
  }
  walk(dir)
  return total
}

function notFound(ref: string): UserError {
  let shown = ref
  try {
    shown = normalizeRef(ref)
  } catch {}
  return new UserError(`image "${shown}" not found; import it with 'minirun image import FILE ${shown}' (or use busybox)`)
}

async function findByTag(repoTag: string): Promise<ImageRecord | undefined> {
  return (await listImages()).find((r) => r.repoTags.includes(repoTag))
}

async function findByIdPrefix(ref: string): Promise<ImageRecord | undefined> {
  const prefix = ref.replace(/^sha256:/, '')
  const ids = (await listDir(paths.images())).filter((id) => id.startsWith(prefix))
  if (ids.length > 1) throw new UserError(`image id prefix "${ref}" is ambiguous (${ids.map((i) => i.slice(0, 12)).join(', ')}); give more characters`)
  return ids.length === 1 ? readRecord(ids[0]) : undefined
}

/** NAME[:TAG] (default tag latest) first, else an id or unique id prefix. */
async function lookup(ref: string): Promise<{repoTag?: string; rec?: ImageRecord; byId: boolean}> {
  let repoTag: string | undefined
  try {
    repoTag = normalizeRef(ref)
  } catch (error) {
    if (!looksLikeId(ref)) throw error
  }
  const rec = repoTag ? await findByTag(repoTag) : undefined
  if (rec) return {repoTag, rec, byId: false}
  return {repoTag, rec: looksLikeId(ref) ? await findByIdPrefix(ref) : undefined, byId: true}
}

/** Find an image by NAME[:TAG] (default tag latest) or by id / unique id prefix; busybox is built on first use. */
export async function resolveImage(ref: string): Promise<ImageRecord> {
  const {repoTag, rec} = await lookup(ref)
  if (rec && isVerified(rec)) return rec
  if (repoTag === BUSYBOX_REF) return ensureBusybox()
  if (rec) throw unverified(repoTag ?? ref, rec)
  throw notFound(ref)
}

function unverified(shown: string, rec: ImageRecord): UserError {
  return new UserError(`image "${shown}" (${rec.id.slice(0, 12)}) was stored by an older minirun that did not check its layers, so it is not trusted; pull or import it again`)
}

/** Build the built-in busybox image unless the store has it; safe when several minirun do it at once. */
async function ensureBusybox(): Promise<ImageRecord> {
  const recipe = await busyboxRecipe()
  // A record at the recipe's id can only be busybox, even one an older minirun wrote: no config
  // (which must be JSON) and no rootfs import id (diffids.ts) hashes to it. So it is marked, not rebuilt.
  if (await readRecord(recipe.id)) return register({id: recipe.id, repoTag: BUSYBOX_REF, builtin: true})
  const work = await makeWorkDir('busybox')
  try {
    const rootfs = path.join(work, 'rootfs')
    await buildBusyboxRootfs(rootfs, recipe)
    return await register({id: recipe.id, repoTag: BUSYBOX_REF, work, config: BUSYBOX_CONFIG, size: await treeSize(rootfs), builtin: true})
  } finally {
    await removeTree(work)
  }
}

interface Registration {
  id: string
  /** Absent for an untagged image (a pull by digest only). */
  repoTag?: string
  /** A dir holding rootfs/ to move into the store when the image is not there yet. */
  work?: string
  config?: ImageConfig
  created?: string
  size?: number
  /** Layer blob digests to record (see ImageRecord.layers). */
  layers?: string[]
  /** What the rootfs is (ImageRecord.chainId); a stored record is reused only when it says the same. */
  chainId?: string
  builtin?: boolean
}

/** May the stored record stand for what is being registered? */
function sameContent(rec: ImageRecord, reg: Registration): boolean {
  return reg.builtin ? true : isVerified(rec) && rec.chainId === reg.chainId
}

/** Every layer blob some image record lists: what pruneBlobs keeps. */
async function referencedBlobs(): Promise<Set<string>> {
  return new Set((await listImages()).flatMap((r) => r.layers ?? []))
}

/**
 * The short locked step: move a finished rootfs into the store (unless an identical image won
 * the race) and point the tag at it. An image the tag leaves behind with no tags and no
 * container is moved out under the lock and deleted after it.
 */
async function register(reg: Registration): Promise<ImageRecord> {
  const trash: string[] = []
  try {
    return await withLock(async () => {
      let rec = await readRecord(reg.id)
      let keepTags: string[] = []
      if (rec && !sameContent(rec, reg)) {
        // An unchecked record (older minirun): replaced by the checked content, which keeps its tags.
        if (!reg.work) throw new UserError(`image ${reg.id.slice(0, 12)} in the store is not the content being tagged; pull or import it again`)
        const users = await containersUsing(rec.id)
        if (users.length > 0) {
          const short = users[0].slice(0, 12)
          throw new UserError(`image ${reg.id.slice(0, 12)} was stored by an older minirun without layer checks and container ${short} still uses it; remove the container (minirun rm -f ${short}), then pull or import again`)
        }
        keepTags = rec.repoTags
        trash.push(await moveToTrash(rec.id))
        rec = undefined
      }
      if (!rec) {
        if (!reg.work || !reg.config) throw new UserError(`image ${reg.id.slice(0, 12)} disappeared from the store while it was being tagged; retry`)
        const dir = paths.image(reg.id)
        // A dir without image.json can only be debris of a crashed minirun: records are written before the rename.
        await removeTree(dir)
        rec = {
          id: reg.id,
          repoTags: keepTags,
          rootfs: path.join(dir, 'rootfs'),
          config: reg.config,
          created: reg.created ?? new Date().toISOString(),
          size: reg.size ?? 0,
          ...(reg.layers && reg.layers.length > 0 ? {layers: reg.layers} : {}),
          ...(reg.chainId ? {chainId: reg.chainId} : {}),
          ...(reg.builtin ? {builtin: true} : {}),
        }
        await writeJsonAtomic(path.join(reg.work, RECORD), rec)
        await fs.mkdir(paths.images(), {recursive: true})
        await fs.rename(reg.work, dir)
      }
      if ((!rec.layers && reg.layers && reg.layers.length > 0) || (reg.builtin && !rec.builtin)) {
        if (!rec.layers && reg.layers && reg.layers.length > 0) rec.layers = reg.layers
        if (reg.builtin) rec.builtin = true
        await writeRecord(rec)
      }
      if (reg.repoTag === undefined) return rec
      const repoTag = reg.repoTag
      for (const other of await listImages()) {
        if (other.id === rec.id || !other.repoTags.includes(repoTag)) continue
        other.repoTags = other.repoTags.filter((t) => t !== repoTag)
        if (other.repoTags.length === 0 && (await containersUsing(other.id)).length === 0) {
          trash.push(await moveToTrash(other.id))
        } else {
          await writeRecord(other)
        }
      }
      if (!rec.repoTags.includes(repoTag)) {
        rec.repoTags = [...rec.repoTags, repoTag]
        await writeRecord(rec)
      }
      if (trash.length > 0) await pruneBlobs(await referencedBlobs())
      return rec
    })
  } finally {
    for (const t of trash) await removeTree(t)
  }
}

async function moveToTrash(id: string): Promise<string> {
  await fs.mkdir(paths.tmp(), {recursive: true})
  const t = path.join(paths.tmp(), `trash-${id.slice(0, 12)}-${randomBytes(4).toString('hex')}`)
  await fs.rename(paths.image(id), t)
  return t
}

export interface ImportOptions {
  /** Show a progress line on stderr (only when stderr is a TTY and not under CI). */
  progress?: boolean
}

/** Import a rootfs tarball, `docker save` archive, OCI layout dir or oci-archive as NAME[:TAG]. */
export async function importImage(source: string, ref: string, opts: ImportOptions = {}): Promise<ImageRecord> {
  const parsed = parseImageRef(ref)
  if (parsed.digest) throw new UserError(`cannot import as "${ref}": give NAME[:TAG], not a digest`)
  const repoTag = `${parsed.name}:${parsed.tag}`
  const work = await makeWorkDir('import')
  const layers: string[] = []
  try {
    const {readImageSource} = await import('./formats.js') // tar & co.: loaded only by imports and pulls
    const image = await readImageSource(source, path.join(work, 'source'), opts)
    // Imported layers join the shared blob cache too, so a later pull naming them skips the download.
    // Added once unpacked and checked: the digests unpacking or the OCI layout gave are not computed again.
    return await installImage(image, repoTag, work, async (known) => {
      for (const [i, file] of image.layers.entries()) layers.push(await addBlobFile(file, path.join(work, 'blobs'), image.layerDigests?.[i] ?? known[i]))
      return layers
    }, opts)
  } catch (error) {
    await removeTree(work)
    await pruneUnusedBlobs(new Set(layers)).catch(() => {})
    throw error
  } finally {
    await removeTree(work)
  }
}

/** True when the store has the image with this id (64 hex), unpacked and checked as `chain`. */
export async function hasImage(id: string, chain: string): Promise<boolean> {
  const rec = await readRecord(id)
  return rec !== undefined && isVerified(rec) && rec.chainId === chain
}

/**
 * Unpack an image whose layer files are ready (an import, a pull) unless the store has it, then
 * tag it (no tag: untagged). `work` is the caller's private dir from makeWorkDir, removed by the
 * caller. `blobs` returns the image's blob digests in the shared cache, given the layer file
 * digests unpacking learnt for free (undefined where it did not, or nothing was unpacked).
 */
export async function installImage(
  image: ImageSource,
  repoTag: string | undefined,
  work: string,
  blobs: (known: Array<string | undefined>) => Promise<string[]>,
  opts: ImportOptions = {},
): Promise<ImageRecord> {
  if (await hasImage(image.id, image.chainId)) return register({id: image.id, repoTag, layers: await blobs([]), chainId: image.chainId})
  const unpacked = path.join(work, 'image')
  const rootfs = path.join(unpacked, 'rootfs')
  const {applyLayers} = await import('./formats.js')
  const known = await applyLayers(image, rootfs, opts)
  const layers = await blobs(known)
  return register({id: image.id, repoTag, work: unpacked, config: image.config, created: image.created, size: image.unpackedBytes ?? (await treeSize(rootfs)), layers, chainId: image.chainId})
}

/** After a failed pull: drop the blobs it stored that no image lists (a failed pull leaves nothing). */
export async function pruneUnusedBlobs(only?: Set<string>): Promise<void> {
  await withLock(async () => {
    await pruneBlobs(await referencedBlobs(), only)
  })
}

export interface RemoveOptions {
  /** Untag even the last tag of an image a container uses (the image itself stays). */
  force?: boolean
}

/**
 * Remove a tag, or an image by id. Returns what happened as Docker prints it:
 * "Untagged: name:tag" and "Deleted: <64 hex id>" lines.
 */
export async function removeImage(ref: string, opts: RemoveOptions = {}): Promise<string[]> {
  const done: string[] = []
  const trash: string[] = []
  try {
    await withLock(async () => {
      const {repoTag, rec, byId} = await lookup(ref)
      if (!rec) throw new UserError(`image "${repoTag ?? ref}" not found; see 'minirun image ls'`)
      const untag = byId ? rec.repoTags : [repoTag!]
      const remaining = rec.repoTags.filter((t) => !untag.includes(t))
      if (remaining.length === 0) {
        const users = await containersUsing(rec.id)
        if (users.length > 0 && !(opts.force && !byId)) {
          const short = users[0].slice(0, 12)
          throw new UserError(`image ${repoTag ?? ref} is used by container ${short}; remove the container first (minirun rm -f ${short})`)
        }
        for (const t of untag) done.push(`Untagged: ${t}`)
        if (users.length === 0) {
          trash.push(await moveToTrash(rec.id))
          done.push(`Deleted: ${rec.id}`)
          // Layer blobs only this image used go with it (the cache is shared; see blobs.ts).
          await pruneBlobs(await referencedBlobs())
        } else {
          await writeRecord({...rec, repoTags: []})
        }
        return
      }
      for (const t of untag) done.push(`Untagged: ${t}`)
      await writeRecord({...rec, repoTags: remaining})
    })
  } finally {
    for (const t of trash) await removeTree(t)
  }
  return done
}
