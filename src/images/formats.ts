import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {resolveInRoot} from '../util/scoped-path.js'
import {checkDiffId, chainId, configDiffIds, rootfsImportId} from './diffids.js'
import {defaultBudget, entryComponents, extractTar} from './extract.js'
import {progressEnabled, progressLine} from './progress.js'
import type {ImageConfig} from './types.js'
import {sha256File} from './digest.js'

// What `image import` accepts, recognised by content (never by file name):
//  1. a plain rootfs tarball (.tar, gzip detected by magic): one layer, empty config;
//  2. a `docker save` archive: manifest.json [{Config, RepoTags, Layers}];
//  3. an OCI image layout (oci-layout + index.json + blobs/), as a directory or as a tarball.
// Archives are first extracted (safely) into a private dir; their layers are applied afterwards.

export interface ImageSource {
  /** 64 hex: sha256 of the config blob; for a rootfs tarball, see rootfsImportId. */
  id: string
  kind: 'rootfs' | 'docker-save' | 'oci'
  config: ImageConfig
  created?: string
  /** Layer tarballs, bottom first. */
  layers: string[]
  /** Their sha256 (blob digests) where already verified (OCI layouts), so they are not hashed again. */
  layerDigests?: string[]
  /** The config's rootfs.diff_ids: what each layer must hash to, uncompressed (diffids.ts). */
  diffIds: string[]
  /** OCI ChainID of diffIds (for a rootfs tarball: its own uncompressed digest): what rootfs/ is. */
  chainId: string
  /** A rootfs tarball is already unpacked into this dir by the outer extraction. */
  unpacked?: string
  /** The bytes of `unpacked` (image ls SIZE), when unpacking could count them. */
  unpackedBytes?: number
  label: string
}

interface Descriptor {
  mediaType?: string
  digest?: string
  size?: number
  platform?: {os?: string; architecture?: string}
}

const SHA256 = /^sha256:([0-9a-f]{64})$/
const MAX_INDEX_DEPTH = 4

export async function readJsonFile<T>(file: string, label: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T
  } catch (error) {
    throw new UserError(`${label}: cannot read ${path.basename(file)} as JSON (${(error as Error).message.split('\n')[0]})`)
  }
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.lstat(file).catch(() => undefined))?.isFile() ?? false
}

/** A path named inside an image archive, resolved inside its root (symlinks scoped): must be a regular file. */
async function fileInside(root: string, rel: string, label: string): Promise<string> {
  entryComponents(rel, label) // refuses ".." and NUL
  const abs = await resolveInRoot(root, rel)
  if (!(await isFile(abs))) throw new UserError(`${label}: "${rel}" is missing from the image (or not a regular file)`)
  return abs
}

/** Only the fields minirun honours, each type-checked: a config is untrusted input too. */
export function pickConfig(raw: unknown): ImageConfig {
  const c = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const strings = (v: unknown) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined)
  const out: ImageConfig = {}
  if (strings(c.Env)) out.Env = strings(c.Env)
  if (strings(c.Cmd)) out.Cmd = strings(c.Cmd)
  if (strings(c.Entrypoint)) out.Entrypoint = strings(c.Entrypoint)
  if (typeof c.WorkingDir === 'string' && c.WorkingDir !== '') out.WorkingDir = c.WorkingDir
  if (typeof c.User === 'string' && c.User !== '') out.User = c.User
  if (c.ExposedPorts && typeof c.ExposedPorts === 'object' && !Array.isArray(c.ExposedPorts)) {
    out.ExposedPorts = Object.fromEntries(Object.keys(c.ExposedPorts).map((k) => [k, {}]))
  }
  return out
}

function createdOf(raw: Record<string, unknown>): string | undefined {
  return typeof raw.created === 'string' && !Number.isNaN(Date.parse(raw.created)) ? new Date(raw.created).toISOString() : undefined
}

/** Recognise `source` and make its layers readable under `work`. */
export async function readImageSource(source: string, work: string, opts: {progress?: boolean} = {}): Promise<ImageSource> {
  const st = await fs.stat(source).catch(() => undefined)
  if (!st) throw new UserError(`cannot import ${source}: no such file or directory`)
  const label = source
  if (st.isDirectory()) {
    if (await isFile(path.join(source, 'oci-layout'))) return readOciLayout(await fs.realpath(source), label)
    if (await isFile(path.join(source, 'manifest.json'))) return readDockerSave(await fs.realpath(source), label)
    throw new UserError(`cannot import ${source}: a directory must be an OCI image layout (with oci-layout, index.json and blobs/)`)
  }
  if (!st.isFile()) throw new UserError(`cannot import ${source}: not a regular file or directory`)

  const outer = path.join(work, 'outer')
  const bar = progressLine(`Reading ${path.basename(source)}`, st.size, progressEnabled(opts.progress))
  let digest: string
  let treeBytes: number | undefined
  try {
    ;({digest, treeBytes} = await extractTar(source, outer, {label, budget: defaultBudget(), onProgress: (n) => bar.update(n)}))
  } finally {
    bar.done()
  }
  if (await isFile(path.join(outer, 'oci-layout'))) return readOciLayout(outer, label)
  if (await isFile(path.join(outer, 'manifest.json'))) {
    const manifest = await readJsonFile<unknown>(path.join(outer, 'manifest.json'), label).catch(() => undefined)
    if (Array.isArray(manifest)) return readDockerSave(outer, label)
  }
  // No config to check against: the tarball's own uncompressed digest, hashed while it was unpacked, names it.
  return {id: rootfsImportId(digest), kind: 'rootfs', config: {}, layers: [], diffIds: [], chainId: digest, unpacked: outer, unpackedBytes: treeBytes, label}
}

async function readDockerSave(root: string, label: string): Promise<ImageSource> {
  const manifest = await readJsonFile<Array<{Config?: unknown; Layers?: unknown}>>(path.join(root, 'manifest.json'), label)
  const first = Array.isArray(manifest) ? manifest[0] : undefined
  if (!first || typeof first.Config !== 'string' || !Array.isArray(first.Layers) || !first.Layers.every((l) => typeof l === 'string')) {
    throw new UserError(`${label}: manifest.json is not a docker save manifest ([{Config, RepoTags, Layers}])`)
  }
  const configFile = await fileInside(root, first.Config, label)
  const id = await sha256File(configFile)
  // The config's file name carries its digest ("<hex>.json" or "blobs/sha256/<hex>"): check it when it does.
  const named = /([0-9a-f]{64})(?:\.json)?$/.exec(first.Config)
  if (named && named[1] !== id) throw new UserError(`${label}: config ${first.Config} does not match its digest (sha256:${id}); the archive is corrupt`)
  const raw = await readJsonFile<Record<string, unknown>>(configFile, label)
  const layers: string[] = []
  for (const l of first.Layers as string[]) layers.push(await fileInside(root, l, label))
  const diffIds = configDiffIds(raw, layers.length, label)
  return {id, kind: 'docker-save', config: pickConfig(raw.config), created: createdOf(raw), layers, diffIds, chainId: chainId(diffIds), label}
}

/** The blob a descriptor points at, with its sha256 (and size) verified. */
async function blob(root: string, desc: Descriptor, label: string): Promise<string> {
  const m = SHA256.exec(String(desc.digest ?? ''))
  if (!m) throw new UserError(`${label}: unsupported or invalid digest "${desc.digest}" (only sha256 is supported)`)
  const file = await fileInside(root, `blobs/sha256/${m[1]}`, label)
  const actual = await sha256File(file)
  if (actual !== m[1]) throw new UserError(`${label}: blob sha256:${m[1]} does not match its digest (content is sha256:${actual}); the image is corrupt`)
  if (typeof desc.size === 'number' && (await fs.stat(file)).size !== desc.size) {
    throw new UserError(`${label}: blob sha256:${m[1]} is not ${desc.size} bytes as its descriptor says; the image is corrupt`)
  }
  return file
}

function isIndex(mediaType: unknown, doc: Record<string, unknown>): boolean {
  return (
    mediaType === 'application/vnd.oci.image.index.v1+json' ||
    mediaType === 'application/vnd.docker.distribution.manifest.list.v2+json' ||
    (mediaType === undefined && Array.isArray(doc.manifests))
  )
}

/** Several manifests: prefer linux/amd64 (this host's platform), else the only/first one. */
export function chooseManifest(manifests: Descriptor[]): Descriptor | undefined {
  if (manifests.length <= 1) return manifests[0]
  return manifests.find((d) => d.platform?.os === 'linux' && d.platform?.architecture === 'amd64') ?? manifests.find((d) => !d.platform) ?? manifests[0]
}

async function readOciLayout(root: string, label: string): Promise<ImageSource> {
  const layout = await readJsonFile<{imageLayoutVersion?: unknown}>(path.join(root, 'oci-layout'), label)
  if (typeof layout.imageLayoutVersion !== 'string') throw new UserError(`${label}: oci-layout has no imageLayoutVersion; not an OCI image layout`)
  let doc = await readJsonFile<Record<string, unknown>>(await fileInside(root, 'index.json', label), label)
  let mediaType: unknown = 'application/vnd.oci.image.index.v1+json'
  for (let depth = 0; isIndex(mediaType, doc); depth++) {
    if (depth >= MAX_INDEX_DEPTH) throw new UserError(`${label}: image indexes nested more than ${MAX_INDEX_DEPTH} deep`)
    const chosen = chooseManifest(Array.isArray(doc.manifests) ? (doc.manifests as Descriptor[]) : [])
    if (!chosen) throw new UserError(`${label}: the image index lists no manifest`)
    doc = await readJsonFile<Record<string, unknown>>(await blob(root, chosen, label), label)
    mediaType = chosen.mediaType ?? doc.mediaType
  }
  const config = doc.config as Descriptor | undefined
  if (!config || !Array.isArray(doc.layers)) throw new UserError(`${label}: the image manifest has no config or layers`)
  const configFile = await blob(root, config, label)
  const raw = await readJsonFile<Record<string, unknown>>(configFile, label)
  const layers: string[] = []
  const layerDigests: string[] = []
  for (const layer of doc.layers as Descriptor[]) {
    const mt = String(layer.mediaType ?? '')
    if (/zstd/.test(mt)) throw new UserError(`${label}: zstd layers are not supported (layer ${layer.digest} is ${mt}); re-save the image with gzip layers`)
    if (mt !== '' && !/(\.tar|\.tar\+gzip|\.tar\.gzip|rootfs\.diff\.tar)$/.test(mt)) throw new UserError(`${label}: unsupported layer media type ${mt}`)
    layers.push(await blob(root, layer, label))
    layerDigests.push(String(layer.digest))
  }
  const diffIds = configDiffIds(raw, layers.length, label)
  return {id: SHA256.exec(String(config.digest))![1], kind: 'oci', config: pickConfig(raw.config), created: createdOf(raw), layers, layerDigests, diffIds, chainId: chainId(diffIds), label}
}

/**
 * Build the image's root filesystem: all layers applied in order (whiteouts honoured) into rootfs,
 * each checked against its diff_id as it streams. On a mismatch rootfs is half-made: the caller
 * unpacks into its private work dir and removes it.
 */
export async function applyLayers(image: ImageSource, rootfs: string, opts: {progress?: boolean} = {}): Promise<Array<string | undefined>> {
  await fs.mkdir(path.dirname(rootfs), {recursive: true})
  // Per layer, its file's sha256 when unpacking gave it for free (an uncompressed, verified layer).
  const known: Array<string | undefined> = []
  if (image.unpacked) {
    await fs.rename(image.unpacked, rootfs)
    await fs.chmod(rootfs, 0o755)
    return known
  }
  await fs.mkdir(rootfs, {mode: 0o755})
  const budget = defaultBudget()
  if (image.diffIds.length !== image.layers.length) throw new UserError(`${image.label}: ${image.layers.length} layer(s) but ${image.diffIds.length} diff_ids; refusing it`)
  for (const [i, layer] of image.layers.entries()) {
    const n = `${i + 1}/${image.layers.length}`
    const bar = progressLine(`Applying layer ${n}`, (await fs.stat(layer)).size, progressEnabled(opts.progress))
    try {
      const {digest, plain} = await extractTar(layer, rootfs, {label: `${image.label} (layer ${n})`, whiteouts: true, budget, onProgress: (b) => bar.update(b)})
      checkDiffId(image.diffIds[i], digest, n, image.label)
      known.push(plain ? digest : undefined)
    } finally {
      bar.done()
    }
  }
  return known
}
