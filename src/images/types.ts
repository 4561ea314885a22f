// What the rest of minirun knows about an image. The store lives under $MINIRUN_ROOT/images/<id>/:
//   image.json  (this record)      rootfs/  (all layers applied in order, unpacked once)
// Containers never copy rootfs/: it is the read-only lowerdir of each container's overlay.
// Layer blobs (pulled or imported) are kept once, shared, in $MINIRUN_ROOT/blobs/sha256/ (blobs.ts);
// rootfs/ stays flattened per image (why: see blobs.ts).
export interface ImageConfig {
  Env?: string[]
  Cmd?: string[]
  Entrypoint?: string[]
  WorkingDir?: string
  ExposedPorts?: Record<string, object>
  User?: string
  Labels?: Record<string, string>
  StopSignal?: string
}

export interface ImageRecord {
  /** 64 hex: sha256 of the image config (or of the rootfs tarball for plain rootfs imports). */
  id: string
  /** e.g. ["busybox:latest"] */
  repoTags: string[]
  /** Absolute path of the unpacked root filesystem (the overlay lowerdir). */
  rootfs: string
  config: ImageConfig
  created: string
  /** Bytes on disk of rootfs. */
  size: number
  /**
   * Digests ("sha256:<hex>") of the image's layer blobs, bottom first, kept once in the shared
   * cache $MINIRUN_ROOT/blobs/sha256/ (images/blobs.ts); `image rm` deletes blobs no image lists.
   * Absent on records written before the cache existed and on plain rootfs imports.
   */
  layers?: string[]
  /**
   * What rootfs/ was unpacked from and checked against: the OCI ChainID of the config's
   * rootfs.diff_ids, every layer hashed while it was applied (for a rootfs tarball import, the
   * tarball's own uncompressed digest). With the id it keys the unpacked content (diffids.ts).
   */
  chainId?: string
  /** The built-in busybox image, built here from the host's binary and the recipe (busybox.ts). */
  builtin?: boolean
}

/**
 * A record with neither chainId nor builtin was written by a minirun that did not check layers
 * against the config: its rootfs may be another image's (cache poisoning), so it is never used
 * or reused; the image must be pulled or imported again (store.ts).
 */
export function isVerified(rec: ImageRecord): boolean {
  return typeof rec.chainId === 'string' || rec.builtin === true
}
