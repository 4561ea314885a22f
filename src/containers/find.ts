import {UserError} from '../errors.js'
import {CorruptStateError, listDir, warnCorrupt} from '../state/files.js'
import {paths} from '../state/paths.js'
import {NAME} from '../util/names.js'
import {nameOwner} from './name-index.js'
import {type ContainerRecord, readRecord} from './record.js'
import {byText} from '../util/compare.js'

const ID = /^[0-9a-f]{64}$/

export interface ContainerScan {
  records: ContainerRecord[]
  /** records that exist but cannot be read, by container id */
  corrupt: Array<{id: string; error: CorruptStateError}>
}

/** Every record, and every one that cannot be read (system prune moves those aside). */
export async function scanContainers(): Promise<ContainerScan> {
  const scan: ContainerScan = {records: [], corrupt: []}
  for (const id of await listDir(paths.containers())) {
    try {
      const rec = await readRecord(id)
      if (rec) scan.records.push(rec)
    } catch (error) {
      if (!(error instanceof CorruptStateError)) throw error
      scan.corrupt.push({id, error})
    }
  }
  scan.records.sort((a, b) => byText(b.created, a.created))
  return scan
}

/** Every readable record; one that cannot be read is skipped with a warning (ps -a lists the rest). */
export async function listContainers(): Promise<ContainerRecord[]> {
  const scan = await scanContainers()
  for (const c of scan.corrupt) warnCorrupt(c.error)
  return scan.records
}

/**
 * The id `ref` names (exact name, full id or unique id prefix), found without reading any record,
 * so a container whose record is corrupt can still be named (rm -f). undefined: no such container.
 */
export async function resolveContainerId(ref: string): Promise<string | undefined> {
  const name = ref.replace(/^\//, '')
  const byName = NAME.test(name) && name.length <= 64 ? await nameOwner(name) : undefined
  if (byName) return byName
  if (!/^[0-9a-f]{1,64}$/.test(ref)) return undefined
  const ids = (await listDir(paths.containers())).filter((id) => ID.test(id) && id.startsWith(ref))
  if (ids.length > 1) throw new UserError(`container id prefix "${ref}" matches ${ids.length} containers; give more characters`)
  return ids[0]
}

/** By exact name, full id, or unique id prefix (as Docker). A corrupt record is an error naming its file. */
export async function findContainer(ref: string): Promise<ContainerRecord> {
  const id = await resolveContainerId(ref)
  const hit = id ? await readRecord(id) : undefined
  if (hit) return hit
  throw new UserError(`no such container: ${ref.length > 80 ? ref.slice(0, 60) + '...' : ref} (see minirun ps -a)`)
}
