import {UserError} from '../errors.js'
import {listDir} from '../state/files.js'
import {paths} from '../state/paths.js'
import {NAME} from '../networks/names.js'
import {nameOwner} from './name-index.js'
import {type ContainerRecord, readRecord} from './record.js'

export async function listContainers(): Promise<ContainerRecord[]> {
  const out: ContainerRecord[] = []
  for (const id of await listDir(paths.containers())) {
    const rec = await readRecord(id)
    if (rec) out.push(rec)
  }
  return out.sort((a, b) => b.created.localeCompare(a.created))
}

/** By exact name, full id, or unique id prefix (as Docker). Only a prefix reads every record. */
export async function findContainer(ref: string): Promise<ContainerRecord> {
  const name = ref.replace(/^\//, '')
  const byName = NAME.test(name) ? await nameOwner(name) : undefined
  const hit = (byName && (await readRecord(byName))) || (/^[0-9a-f]{64}$/.test(ref) ? await readRecord(ref) : undefined)
  if (hit) return hit
  const all = await listContainers()
  const byPrefix = /^[0-9a-f]+$/.test(ref) ? all.filter((c) => c.id.startsWith(ref)) : []
  if (byPrefix.length === 1) return byPrefix[0]
  if (byPrefix.length > 1) throw new UserError(`container id prefix "${ref}" matches ${byPrefix.length} containers; give more characters`)
  throw new UserError(`no such container: ${ref} (see minirun ps -a)`)
}
