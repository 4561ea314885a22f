import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {listDir, readJson, writeJsonAtomic} from '../state/files.js'
import {paths} from '../state/paths.js'

// A pod: a pause ("infra") container holding network, UTS and IPC namespaces, and members that
// join them. $MINIRUN_ROOT/pods/<name>/pod.json; emptyDir volumes live beside it.
export interface PodRecord {
  id: string
  name: string
  infraId: string
  created: string
  network: string
  ports: string[]
}

export const podDir = (name: string) => path.join(paths.pods(), name)
const podFile = (name: string) => path.join(podDir(name), 'pod.json')

export const readPod = (name: string) => readJson<PodRecord>(podFile(name))
export const writePod = (pod: PodRecord) => writeJsonAtomic(podFile(pod.name), pod)
export const deletePodDir = (name: string) => fs.rm(podDir(name), {recursive: true, force: true})

export async function listPods(): Promise<PodRecord[]> {
  const out: PodRecord[] = []
  for (const n of await listDir(paths.pods())) {
    const p = await readPod(n)
    if (p) out.push(p)
  }
  return out.sort((a, b) => a.created.localeCompare(b.created))
}

export async function findPod(ref: string): Promise<PodRecord> {
  const all = await listPods()
  const hit = all.find((p) => p.name === ref) ?? all.filter((p) => p.id.startsWith(ref)).at(0)
  if (!hit) throw new UserError(`no such pod: ${ref} (see minirun pod ls)`)
  return hit
}
