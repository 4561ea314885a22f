import {existsSync, mkdirSync, readlinkSync, rmSync, statSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {listDir} from '../state/files.js'
import {paths} from '../state/paths.js'
import {readRecord} from './record.js'

// Container names, as symlinks names/<name> → ../containers/<id>: creating the link is the atomic
// check that a name is free, and finding a container by name reads one link, where both used to
// read every record (run slowed down as containers piled up). A link whose container dir is gone
// dangles, and a dangling link is a free name, so a crash can never keep a name taken.
// Synchronous calls, as for records (state/files.ts): every command looks a name up.

const link = (name: string) => path.join(paths.names(), name)

/** Stores made before the index existed get it built from their records once. */
async function ensureIndex(): Promise<void> {
  if (existsSync(paths.names())) return
  try {
    mkdirSync(paths.names())
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    mkdirSync(paths.names(), {recursive: true})
  }
  for (const id of await listDir(paths.containers())) {
    const rec = await readRecord(id).catch(() => undefined) // a corrupt record has no name to index
    if (rec?.name) linkOrNot(id, rec.name)
  }
}

function linkOrNot(id: string, name: string): void {
  try {
    symlinkSync(path.join('..', 'containers', id), link(name))
  } catch {}
}

const readLink = (name: string) => {
  try {
    return readlinkSync(link(name))
  } catch {
    return ''
  }
}

/** The id of the container named `name`, if there is one. */
export async function nameOwner(name: string): Promise<string | undefined> {
  await ensureIndex()
  try {
    // follows the link: none once the container is gone
    return statSync(link(name), {throwIfNoEntry: false}) ? path.basename(readlinkSync(link(name))) : undefined
  } catch {
    return undefined
  }
}

/** Take `name` for container `id`: false when a live container holds it. Caller holds withLock(). */
export async function claimName(name: string, id: string): Promise<boolean> {
  await ensureIndex()
  for (;;) {
    try {
      symlinkSync(path.join('..', 'containers', id), link(name))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (await nameOwner(name)) return false
      rmSync(link(name), {force: true}) // dangling: its container is gone
    }
  }
}

/** Give `name` back, if `id` still holds it. Idempotent. */
export async function releaseName(name: string, id: string): Promise<void> {
  if (path.basename(readLink(name)) === id) rmSync(link(name), {force: true})
}

/** Drop every link to container `id` (its record is unreadable, so its name is not known). */
export async function releaseNamesOf(id: string): Promise<void> {
  for (const name of await listDir(paths.names())) {
    if (path.basename(readLink(name)) === id) rmSync(link(name), {force: true})
  }
}

/** Drop links whose container is gone (system prune). */
export async function sweepNames(): Promise<void> {
  for (const name of await listDir(paths.names())) if (!(await nameOwner(name))) rmSync(link(name), {force: true})
}
