import {createHash} from 'node:crypto'
import {UserError} from '../errors.js'

// What ties an image id to one root filesystem. The id is the sha256 of the image config, and the
// config lists rootfs.diff_ids: the sha256 of each layer's UNCOMPRESSED tar, bottom first. Layer
// blobs are fetched by their compressed digest, which the manifest (not the config) names, so
// unless every layer is checked against the config's diff_ids, one config can be paired with any
// layers: `evil/x` reusing `official/x`'s config would get official's id with evil's files. With
// the check (done while each layer is unpacked, extract.ts), same id = same files.
// The store also keeps the OCI ChainID of the diff_ids in each image record and reuses an
// unpacked rootfs only when both the id and the ChainID match (store.ts).

const DIGEST = /^sha256:[0-9a-f]{64}$/

/** The config's rootfs.diff_ids, checked: one valid sha256 digest per layer, as many as the manifest lists. */
export function configDiffIds(raw: unknown, layerCount: number, label: string): string[] {
  const rootfs = (raw && typeof raw === 'object' ? (raw as Record<string, unknown>).rootfs : undefined) as Record<string, unknown> | undefined
  const ids = rootfs?.diff_ids
  if (!rootfs || rootfs.type !== 'layers' || !Array.isArray(ids)) {
    throw new UserError(`${label}: the image config has no rootfs.diff_ids (type "layers"), so its layers cannot be checked; refusing it`)
  }
  if (!ids.every((d): d is string => typeof d === 'string' && DIGEST.test(d))) {
    throw new UserError(`${label}: the image config's rootfs.diff_ids are not all sha256 digests; refusing it`)
  }
  if (ids.length !== layerCount) {
    throw new UserError(`${label}: the manifest lists ${layerCount} layer(s) but the image config lists ${ids.length}; the image is corrupt or forged, refusing it`)
  }
  return ids
}

/** The OCI ChainID: ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)). */
export function chainId(diffIds: string[]): string {
  let chain = ''
  for (const d of diffIds) chain = chain === '' ? d : `sha256:${createHash('sha256').update(`${chain} ${d}`).digest('hex')}`
  return chain
}

/**
 * The id of a plain rootfs tarball import (it has no config): derived from its content, and
 * domain-separated from every config digest. A config must parse as JSON, and this hashed text
 * never does, so no pulled or imported image can ever have this id (barring a sha256 collision).
 */
export function rootfsImportId(diffId: string): string {
  return createHash('sha256').update(`minirun rootfs import\0${diffId}`).digest('hex')
}

/** Refuse a layer whose uncompressed content is not the one the config lists. */
export function checkDiffId(expected: string, actual: string, layer: string, label: string): void {
  if (expected !== actual) {
    throw new UserError(`${label}: layer ${layer} is not the layer its image config lists (content is ${actual}, the config says ${expected}); the image is corrupt or forged, nothing was stored`)
  }
}
