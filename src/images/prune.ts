import {containersUsing, listImages, removeImage} from './store.js'

// `image prune`: images no container uses; without `all`, only dangling ones (no tag left).
// Returns Docker's "untagged: ..." / "deleted: sha256:..." lines.
export async function pruneImages(all: boolean): Promise<string[]> {
  const out: string[] = []
  for (const img of await listImages()) {
    if (!all && img.repoTags.length > 0) continue
    if ((await containersUsing(img.id)).length > 0) continue
    for (const line of await removeImage(img.id)) out.push(line.replace(/^Untagged: /, 'untagged: ').replace(/^Deleted: (sha256:)?/, 'deleted: sha256:'))
  }
  return out
}
