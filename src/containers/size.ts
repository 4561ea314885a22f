import {listImages, treeSize} from '../images/store.js'
import type {ContainerRecord} from './record.js'

// `ps -s`: what the container wrote (its overlay upper dir) and, for "virtual", its image.
let images: Map<string, number> | undefined

export async function containerSize(rec: ContainerRecord): Promise<{rw: number; image: number}> {
  images ??= new Map((await listImages()).map((i) => [i.id, i.size]))
  const rw = await treeSize(rec.rootfs.upper).catch(() => 0)
  return {rw, image: images.get(rec.imageId) ?? 0}
}
