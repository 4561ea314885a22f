import {instanceTag} from '../../state/paths.js'
import {deleteElementsScript} from './nft-script.js'
import {applyNft, readTable} from './nft.js'

/**
 * Remove the DNAT entries whose owner (a container id, from the element's comment; undefined
 * when it has none) `gone` says is gone. Returns what was removed, for prune's report.
 */
export async function pruneDnat(gone: (owner: string | undefined) => boolean, why: string): Promise<string[]> {
  const tag = instanceTag()
  const stale = (await readTable(tag))?.elements.filter((e) => gone(e.owner)) ?? []
  if (stale.length === 0) return []
  await applyNft(deleteElementsScript(tag, stale), why)
  return stale.map((e) => `dnat ${e.map} ${e.key}`)
}
