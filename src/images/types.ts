// What the rest of minirun knows about an image. The store lives under $MINIRUN_ROOT/images/<id>/:
//   image.json  (this record)      rootfs/  (all layers applied in order, unpacked once)
// Containers never copy rootfs/: it is the read-only lowerdir of each container's overlay.
export interface ImageConfig {
  Env?: string[]
  Cmd?: string[]
  Entrypoint?: string[]
  WorkingDir?: string
  ExposedPorts?: Record<string, object>
  User?: string
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
}
