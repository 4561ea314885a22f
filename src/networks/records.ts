import {createHash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {listDir, readAllSkipping, readJson, writeJsonAtomic} from '../state/files.js'
import {paths} from '../state/paths.js'
import {byText} from '../util/compare.js'

// Network records: $MINIRUN_ROOT/networks/<name>.json. `host` and `none` are built in and never
// stored; `bridge` is stored the first time a container uses it (its subnet is chosen then).

export type DriverName = 'bridge' | 'macvlan' | 'host' | 'null' | 'cni' | 'overlay'

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
  /** cni: the configuration list, as it was when the network was created */
  cni?: import('./drivers/cni-config.js').CniConfigList
  /** the default `bridge` network: no name resolution between containers, as in Docker */
  isDefault?: boolean
  /** a network of the CNI plugin (bin/minirun-bridge): no resolver, the runtime gives pods their DNS */
  noResolver?: boolean
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

export const networkFile = (name: string) => path.join(paths.networks(), `${name}.json`)
const file = networkFile

export function isNetworkRecord(v: unknown): boolean {
  const r = v as NetworkRecord
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.name === 'string' && typeof r.driver === 'string'
}

/** undefined when there is no such network; CorruptStateError (naming the file) when it cannot be read. */
export async function readNetwork(name: string): Promise<NetworkRecord | undefined> {
  if (name === 'host' || name === 'none') return builtinRecord(name)
  // a name that could never have been stored is not looked up: no ENAMETOOLONG, no path games
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || name.length > 64) return undefined
  return readJson<NetworkRecord>(file(name), isNetworkRecord)
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

/** Every network; a corrupt record is skipped with a warning, so one bad file never stops every run. */
export async function listNetworks(): Promise<NetworkRecord[]> {
  const files = (await listDir(paths.networks())).filter((f) => f.endsWith('.json'))
  const stored = await readAllSkipping(files, (f) => readJson<NetworkRecord>(path.join(paths.networks(), f), isNetworkRecord))
  const all = [...stored, builtinRecord('host'), builtinRecord('none')]
  return all.sort((a, b) => byText(a.name, b.name))
}

export function writeNetwork(rec: NetworkRecord): Promise<void> {
  return writeJsonAtomic(file(rec.name), rec)
}

export async function deleteNetworkRecord(name: string): Promise<void> {
  await fs.rm(file(name), {force: true})
}

export async function assertNameFree(name: string): Promise<void> {
  if (await readNetwork(name)) throw new UserError(`network with name ${name} already exists; remove it first (minirun network rm ${name})`)
}
