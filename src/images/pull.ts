import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {digestHex, fetchBlob} from './blobs.js'
import {chainId, configDiffIds} from './diffids.js'
import {pickConfig, type ImageSource} from './formats.js'
import {progressEnabled} from './progress.js'
import {PullProgress} from './pull-progress.js'
import {defaultBudget} from './extract.js'
import {MANIFEST_TYPES, MAX_CONFIG, RegistryClient, parseRegistryRef, type Descriptor, type Manifest} from './registry.js'
import {hasImage, installImage, makeWorkDir, pruneUnusedBlobs} from './store.js'
import type {ImageRecord} from './types.js'

// `image pull REF`: resolve the tag to a manifest (through an index / manifest list, choosing the
// platform), fetch and verify the config, fetch every layer into the shared blob cache (blobs.ts;
// layers already cached are not downloaded again), then unpack and tag like an import (store.ts).
// A failed pull leaves no image record, no work dir and no blob that no image uses.

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

export interface PullOptions {
  /** "os/arch[/variant]"; default linux/<this host's arch>. */
  platform?: string
  /** false: plain http (and no certificate checks) for this registry. */
  tlsVerify?: boolean
  /** Per-layer progress lines on stderr (only on a TTY, never under CI). */
  progress?: boolean
}

const ARCH: Record<string, string> = {x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64'}
const MAX_INDEX_DEPTH = 4
const PARALLEL = 3

export function hostPlatform(): Platform {
  return {os: 'linux', architecture: ARCH[process.arch] ?? process.arch}
}

export function parsePlatform(text: string): Platform {
  const parts = text.split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_]+$/.test(p))) {
    throw new UserError(`invalid platform "${text}": give OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8`)
  }
  return parts.length === 3 ? {os: parts[0], architecture: parts[1], variant: parts[2]} : {os: parts[0], architecture: parts[1]}
}

function platformName(p: {os?: string; architecture?: string; variant?: string} | undefined): string {
  return p ? [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/') : 'unknown'
}

/** The index entry for `want`: same os and arch, and same variant when one is asked for. */
export function choosePlatform(manifests: Descriptor[], want: Platform, display: string): Descriptor {
  const match = manifests.filter((d) => d.platform?.os === want.os && d.platform?.architecture === want.architecture)
  const chosen = want.variant ? match.find((d) => d.platform?.variant === want.variant) : match[0]
  if (chosen) return chosen
  const have = manifests.map((d) => platformName(d.platform)).join(', ') || 'none'
  throw new UserError(`${display} has no image for ${platformName(want)} (it has: ${have}); choose one with --platform`)
}

function isIndex(m: Manifest): boolean {
  return m.mediaType === MANIFEST_TYPES.ociIndex || m.mediaType === MANIFEST_TYPES.dockerList || (m.mediaType === '' && Array.isArray(m.body.manifests))
}

/** A descriptor whose size is known: every download is bounded by it. */
export type SizedDescriptor = Descriptor & {size: number}

/**
 * A descriptor from a manifest or index, checked: a sha256 digest and a positive whole size. The
 * size is what bounds the download (blobs.ts), so one without it is refused, not fetched unbounded.
 */
export function descriptor(raw: unknown, what: string, display: string): SizedDescriptor {
  const d = raw as Descriptor | undefined
  if (!d || typeof d !== 'object' || typeof d.digest !== 'string') throw new UserError(`the manifest of ${display} has no valid ${what} descriptor`)
  digestHex(d.digest)
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size <= 0) {
    throw new UserError(`the manifest of ${display} gives ${what} ${d.digest} ${d.size === undefined ? 'no size' : `an invalid size (${JSON.stringify(d.size)})`}; refusing it`)
  }
  return d as SizedDescriptor
}

/** Refuse layers that together exceed what one image may unpack to (their compressed sizes, before any download). */
export function checkLayerSizes(layers: SizedDescriptor[], max: number, display: string): void {
  const total = layers.reduce((n, l) => n + l.size, 0)
  if (total > max) throw new UserError(`${display}: its layers are ${total} bytes, more than the ${max} an image may have; set MINIRUN_MAX_IMAGE_BYTES to allow more`)
}

/** Layer media types minirun can apply: tar, gzip'd tar (OCI and Docker names). */
export function checkLayerType(mediaType: string | undefined, digest: string, display: string): void {
  const mt = mediaType ?? ''
  if (/zstd/.test(mt)) throw new UserError(`${display}: zstd layers are not supported (layer ${digest} is ${mt}); pull a gzip variant of the image`)
  if (/foreign|nondistributable/.test(mt)) throw new UserError(`${display}: layer ${digest} is a foreign layer (${mt}), which minirun cannot fetch`)
  const ok = ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.docker.image.rootfs.diff.tar']
  if (mt !== '' && !ok.includes(mt)) throw new UserError(`${display}: unsupported layer media type ${mt} (layer ${digest})`)
}

/** Follow indexes down to one image manifest for the platform. */
async function resolveManifest(client: RegistryClient, reference: string, display: string, want: Platform): Promise<Manifest> {
  let m = await client.manifest(reference, display)
  for (let depth = 0; isIndex(m); depth++) {
    if (depth >= MAX_INDEX_DEPTH) throw new UserError(`${display}: image indexes nested more than ${MAX_INDEX_DEPTH} deep`)
    const list = Array.isArray(m.body.manifests) ? m.body.manifests.map((d) => descriptor(d, 'manifest', display)) : []
    const chosen = choosePlatform(list, want, display) as SizedDescriptor
    m = await client.manifest(chosen.digest, display, chosen.size)
  }
  if (m.body.schemaVersion === 1 || /^application\/vnd\.docker\.distribution\.manifest\.v1\+(pretty)?jws|^application\/vnd\.docker\.distribution\.manifest\.v1\+json$/.test(m.mediaType)) {
    throw new UserError(`${display} uses the Docker schema 1 manifest format, which minirun does not support; re-push it with a current client`)
  }
  if (m.mediaType !== MANIFEST_TYPES.ociManifest && m.mediaType !== MANIFEST_TYPES.dockerV2 && m.mediaType !== '') {
    throw new UserError(`${display}: unsupported manifest media type ${m.mediaType}`)
  }
  return m
}

async function fetchConfig(client: RegistryClient, desc: SizedDescriptor, display: string): Promise<Record<string, unknown>> {
  const bytes = await client.smallBlob(desc.digest, desc.size, MAX_CONFIG, `the config of ${display}`)
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
  } catch {
    throw new UserError(`${display}: the image config is not JSON`)
  }
}

/** Run `fn` over items, at most `limit` at a time; the first failure is thrown after all settle. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const i = next++
      try {
        await fn(items[i], i)
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  if (failure !== undefined) throw failure
}

/** Pull REF ([registry/]name[:tag|@digest]) into the store and return its record. */
export async function pullImage(ref: string, opts: PullOptions = {}): Promise<ImageRecord> {
  const target = parseRegistryRef(ref)
  const display = `${target.registry}/${target.repository}${target.digest ? `@${target.digest}` : `:${target.reference}`}`
  const want = opts.platform ? parsePlatform(opts.platform) : hostPlatform()
  const client = new RegistryClient(target.registry, target.repository, {tlsVerify: opts.tlsVerify})

  const manifest = await resolveManifest(client, target.reference, display, want)
  const configDesc = descriptor(manifest.body.config, 'config', display)
  if (!Array.isArray(manifest.body.layers)) throw new UserError(`the manifest of ${display} lists no layers`)
  const layerDescs = manifest.body.layers.map((l) => descriptor(l, 'layer', display))
  for (const l of layerDescs) checkLayerType(l.mediaType, l.digest, display)
  checkLayerSizes(layerDescs, defaultBudget().max, display)
  const raw = await fetchConfig(client, configDesc, display)
  const id = digestHex(configDesc.digest)
  // Checked before any download: a config that does not list one diff_id per layer is refused at once.
  const diffIds = configDiffIds(raw, layerDescs.length, display)
  const image: ImageSource = {id, kind: 'oci', config: pickConfig(raw.config), created: createdOf(raw), layers: [], diffIds, chainId: chainId(diffIds), label: display}

  const work = await makeWorkDir('pull')
  const downloaded = new Set<string>()
  const bars = new PullProgress(progressEnabled(opts.progress))
  try {
    // Same config digest and same checked layers = same image: only the tag moves, no layer is fetched.
    if (await hasImage(id, image.chainId)) return await installImage(image, target.localTag, work, async () => [], opts)
    const pins = path.join(work, 'blobs')
    image.layers = new Array<string>(layerDescs.length)
    await eachLimited(layerDescs, PARALLEL, async (desc, i) => {
      const bar = bars.add(digestHex(desc.digest).slice(0, 12), desc.size)
      const got = await fetchBlob(client, desc, pins, (n) => bar.update(n))
      if (got.downloaded) downloaded.add(desc.digest)
      bar.finish(got.downloaded ? 'Pull complete' : 'Already exists')
      image.layers[i] = got.file
    })
    bars.end()
    return await installImage(image, target.localTag, work, async () => layerDescs.map((d) => d.digest), opts)
  } catch (error) {
    bars.end()
    await fs.rm(work, {recursive: true, force: true, maxRetries: 3})
    if (downloaded.size > 0) await pruneUnusedBlobs(downloaded).catch(() => {})
    throw error
  } finally {
    await fs.rm(work, {recursive: true, force: true, maxRetries: 3})
  }
}

function createdOf(raw: Record<string, unknown>): string | undefined {
  return typeof raw.created === 'string' && !Number.isNaN(Date.parse(raw.created)) ? new Date(raw.created).toISOString() : undefined
}
