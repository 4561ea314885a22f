import {randomBytes} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {note, shellQuote} from '../kernel/runner.js'
import {listDir, readJson, writeJsonAtomic} from '../state/files.js'
import {withLock} from '../state/lock.js'
import {rootDir} from '../state/paths.js'
import type {ContainerRecord} from '../containers/record.js'
import {validateVolumeName} from './spec.js'
import {byText} from '../util/compare.js'

// Named and anonymous volumes, as Docker's local driver keeps them: a directory per volume,
// $MINIRUN_ROOT/volumes/NAME/_data (what is mounted), beside NAME/volume.json (its metadata).
// Which containers use a volume is read from their records, never stored twice.

export interface VolumeRecord {
  name: string
  createdAt: string
  labels: Record<string, string>
  /** made for `-v /path` with no source: removed by rm -v and run --rm (Docker's anonymous volume) */
  anonymous: boolean
}

/** Docker marks anonymous volumes with this label (volume prune without -a removes only those). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous'

export const volumesDir = () => path.join(rootDir(), 'volumes')
const volumeDir = (name: string) => path.join(volumesDir(), name)
export const volumeData = (name: string) => path.join(volumeDir(name), '_data')
const metaFile = (name: string) => path.join(volumeDir(name), 'volume.json')

const isVolumeRecord = (v: unknown) => typeof v === 'object' && v !== null && typeof (v as VolumeRecord).name === 'string'

export async function readVolume(name: string): Promise<VolumeRecord | undefined> {
  validateVolumeName(name)
  return readJson<VolumeRecord>(metaFile(name), isVolumeRecord)
}

export async function findVolume(name: string): Promise<VolumeRecord> {
  const v = await readVolume(name)
  if (!v) throw new UserError(`no such volume: ${name} (see minirun volume ls)`)
  return v
}

export async function listVolumes(): Promise<VolumeRecord[]> {
  const out: VolumeRecord[] = []
  for (const name of await listDir(volumesDir())) {
    const v = await readJson<VolumeRecord>(metaFile(name), isVolumeRecord).catch(() => undefined)
    if (v) out.push(v)
  }
  return out.sort((a, b) => byText(a.name, b.name))
}

/** Docker's CreatedAt: RFC 3339, seconds. */
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

/** The volume, made when missing (`volume create` of an existing name is not an error in Docker). */
export async function ensureVolume(name: string | undefined, opts: {anonymous?: boolean; labels?: Record<string, string>} = {}): Promise<{volume: VolumeRecord; created: boolean}> {
  const n = name ?? randomBytes(32).toString('hex')
  validateVolumeName(n)
  return withLock(async () => {
    const existing = await readVolume(n)
    if (existing) return {volume: existing, created: false}
    const volume: VolumeRecord = {name: n, createdAt: now(), labels: {...opts.labels, ...(opts.anonymous ? {[ANONYMOUS_LABEL]: ''} : {})}, anonymous: opts.anonymous ?? false}
    note(`mkdir -p ${shellQuote(volumeData(n))}`, `volume ${n}`)
    await fs.mkdir(volumeData(n), {recursive: true, mode: 0o755})
    await writeJsonAtomic(metaFile(n), volume)
    return {volume, created: true}
  })
}

/** Containers (running or stopped) whose mounts use volume `name`. */
export async function usersOf(name: string): Promise<ContainerRecord[]> {
  const {listContainers} = await import('../containers/find.js')
  return (await listContainers()).filter((c) => c.hostConfig.binds.some((b) => b.volume === name))
}

/** Remove a volume no container uses. */
export async function removeVolume(name: string): Promise<void> {
  await withLock(async () => {
    await findVolume(name)
    const users = await usersOf(name)
    if (users.length > 0) {
      throw new UserError(`volume ${name} is in use by container ${users.map((c) => c.name).join(', ')}; remove the container first (minirun rm ${users[0].name})`)
    }
    note(`rm -rf ${shellQuote(volumeDir(name))}`, `volume ${name}`)
    await fs.rm(volumeDir(name), {recursive: true, force: true})
  })
}

/** Unused volumes: anonymous ones only, or all with `all` (Docker >= 23). Their names. */
export async function pruneVolumes(all: boolean): Promise<string[]> {
  return withLock(async () => {
    const {listContainers} = await import('../containers/find.js')
    const used = new Set((await listContainers()).flatMap((c) => c.hostConfig.binds.map((b) => b.volume)))
    const gone: string[] = []
    for (const v of await listVolumes()) {
      if (used.has(v.name) || (!all && !v.anonymous)) continue
      await fs.rm(volumeDir(v.name), {recursive: true, force: true})
      gone.push(v.name)
    }
    return gone
  })
}

/** rm -v and run --rm: the container's anonymous volumes, unless another container uses one too. */
export async function removeAnonymousVolumes(rec: Pick<ContainerRecord, 'id' | 'hostConfig'>, warn: (m: string) => void): Promise<void> {
  for (const b of rec.hostConfig.binds) {
    if (!b.anonymous || !b.volume) continue
    await removeVolume(b.volume).catch((error) => warn(`WARNING: volume ${b.volume} was kept: ${(error as Error).message}`))
  }
}
