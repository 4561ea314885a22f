import {createHash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {listDir, readJson, writeJsonAtomic} from '../state/files.js'
import {paths} from '../state/paths.js'

// Network records: $MINIRUN_ROOT/networks/<name>.json. `host` and `none` are built in and never
// stored; `bridge` is stored the first time a container uses it (its subnet is chosen then).

export type DriverName = 'bridge' | 'macvlan' | 'host' | 'null'

export interface NetworkRecord {
  id: string
  name: string
  driver: DriverName
  subnet?: string
  gateway?: string
  /** Linux bridge name (bridge driver) */
  bridge?: string
  options: Record<string, string>
  created: string
  /** the default `bridge` network: no name resolution between containers, as in Docker */
  isDefault?: boolean
}

export const BUILTIN = ['bridge', 'host', 'none'] as const

export function networkId(name: string): string {
  return createHash('sha256').update(`minirun-network:${name}:${Date.now()}:${Math.random()}`).digest('hex')
}

function builtinRecord(name: 'host' | 'none'): NetworkRecord {
  return {
    id: createHash('sha256').update(`minirun-builtin:${name}`).digest('hex'),
    name,
    driver: name === 'host' ? 'host' : 'null',
    options: {},
    created: new Date(0).toISOString(),
  }
}

const file = (name: string) => path.join(paths.networks(), `${name}.json`)

export async function readNetwork(name: string): Promise<NetworkRecord | undefined> {
  if (name === 'host' || name === 'none') return builtinRecord(name)
  return readJson<NetworkRecord>(file(name))
}

/** Find by name, full id or unique id prefix. */
export async function findNetwork(ref: string): Promise<NetworkRecord | undefined> {
  const byName = await readNetwork(ref)
  if (byName) return byName
  if (!/^[0-9a-f]{3,64}$/.test(ref)) return undefined
  const hits = (await listNetworks()).filter((n) => n.id.startsWith(ref))
  if (hits.length > 1) throw new UserError(`network id prefix "${ref}" is ambiguous; give more characters`)
  return hits[0]
}

export async function listNetworks(): Promise<NetworkRecord[]> {
  const stored: NetworkRecord[] = []
  for (const f of await listDir(paths.networks())) {
    if (!f.endsWith('.json')) continue
    const rec = await readJson<NetworkRecord>(path.join(paths.networks(), f))
    if (rec) stored.push(rec)
  }
  const all = [...stored, builtinRecord('host'), builtinRecord('none')]
  return all.sort((a, b) => a.name.localeCompare(b.name))
}

export function writeNetwork(rec: NetworkRecord): Promise<void> {
  return writeJsonAtomic(file(rec.name), rec)
}

export async function deleteNetworkRecord(name: string): Promise<void> {
  await fs.rm(file(name), {force: true})
}
