import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {listDir, readAllSkipping, readJson, writeJsonAtomic} from '../state/files.js'
import {paths} from '../state/paths.js'
import {byText} from '../util/compare.js'

// A pod: a pause ("infra") container holding network, UTS and IPC namespaces, and members that
// join them. $MINIRUN_ROOT/pods/<name>/pod.json; emptyDir volumes live beside it.
export interface PodRecord {
  id: string
  name: string
  infraId: string
  created: string
  network: string
  ports: string[]
  /** the command line that made it, as podman's CreateCommand */
  createCommand?: string[]
}

export const podDir = (name: string) => path.join(paths.pods(), name)
export const podFile = (name: string) => path.join(podDir(name), 'pod.json')

export function isPodRecord(v: unknown): boolean {
  const r = v as PodRecord
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.name === 'string' && typeof r.infraId === 'string'
}

/** undefined when there is no such pod; CorruptStateError (naming the file) when it cannot be read. */
export async function readPod(name: string): Promise<PodRecord | undefined> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || name.length > 64) return undefined
  return readJson<PodRecord>(podFile(name), isPodRecord)
}
export const writePod = (pod: PodRecord) => writeJsonAtomic(podFile(pod.name), pod)
export const deletePodDir = (name: string) => fs.rm(podDir(name), {recursive: true, force: true})

/** Every pod; a corrupt record is skipped with a warning. */
export async function listPods(): Promise<PodRecord[]> {
  const out = await readAllSkipping(await listDir(paths.pods()), readPod)
  return out.sort((a, b) => byText(a.created, b.created))
}

export async function findPod(ref: string): Promise<PodRecord> {
  const named = await readPod(ref) // a corrupt record of that name is an error naming its file
  if (named) return named
  const all = await listPods()
  const byName = all.find((p) => p.name === ref)
  if (byName) return byName
  const byId = ref.length > 0 && /^[0-9a-f]+$/.test(ref) ? all.filter((p) => p.id.startsWith(ref)) : []
  if (byId.length > 1) throw new UserError(`pod id prefix ${ref} is ambiguous (${byId.map((p) => p.name).join(', ')}); give more of the id or the name`)
  if (byId.length === 0) throw new UserError(`no such pod: ${ref} (see minirun pod ls)`)
  return byId[0]
}
