import fs from 'node:fs/promises'
import {lstatSync, readlinkSync} from 'node:fs'
import path from 'node:path'
import {UserError} from '../errors.js'
import {note, shellQuote} from '../kernel/runner.js'

// Resolve a path as the container would see it, but on the host: symlinks inside `root` are
// followed with `root` as their "/" and `..` cannot climb above it (securejoin semantics).
// Used before minirun creates mount points inside a container's root, so an image whose /etc
// or /proc is a symlink to a host path can never make minirun write or mount outside it.
// Each step is a synchronous lstat: a run resolves its command along $PATH (six candidates, each
// a few components), and thread-pool trips for these cost 5 ms of every run.
export async function resolveInRoot(root: string, inside: string): Promise<string> {
  const parts = inside.split('/').filter((p) => p !== '' && p !== '.')
  const resolved: string[] = []
  let hops = 0
  while (parts.length > 0) {
    const part = parts.shift()!
    if (part === '..') {
      resolved.pop()
      continue
    }
    const candidate = path.join(root, ...resolved, part)
    let st
    try {
      st = lstatSync(candidate)
    } catch {
      // Missing: appended as named, and the walk goes on, as securejoin's does. Appending the
      // rest unresolved let path.join apply a later ".." lexically, above the root: an image's
      // link to "/nope/../../.." resolved to the host's "/" (and a cp into it wrote there). What
      // follows a missing component is missing too unless a ".." climbs back, and then it is
      // resolved like any other component.
      resolved.push(part)
      continue
    }
    if (!st.isSymbolicLink()) {
      resolved.push(part)
      continue
    }
    if (++hops > 40) throw new UserError(`too many symbolic links resolving ${inside} in the container's root`)
    const target = readlinkSync(candidate)
    if (target.startsWith('/')) resolved.length = 0
    parts.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'))
  }
  return path.join(root, ...resolved)
}

/** Create (inside root, safely) a directory or an empty file to mount over; returns its host path. */
export async function ensureMountPoint(root: string, inside: string, kind: 'dir' | 'file'): Promise<string> {
  const target = await resolveInRoot(root, inside)
  // Components that did not exist were appended unresolved, so creating them follows no link.
  await fs.mkdir(path.dirname(target), {recursive: true})
  try {
    const st = await fs.lstat(target)
    if (kind === 'dir' && !st.isDirectory()) throw new UserError(`cannot mount a directory on ${inside}: it is a file in the image`)
    if (kind === 'file' && st.isDirectory()) throw new UserError(`cannot mount a file on ${inside}: it is a directory in the image`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    note(kind === 'dir' ? `mkdir -p ${shellQuote(target)}` : `mkdir -p ${shellQuote(path.dirname(target))} && touch ${shellQuote(target)}`, `a mount point for ${inside}`)
    if (kind === 'dir') await fs.mkdir(target, {recursive: true})
    else await (await fs.open(target, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o644)).close()
  }
  return target
}

/**
 * Read at most `max` bytes of a file inside `root` ('' when there is none). A running container
 * can swap a directory for a symlink between resolveInRoot and the open, so what was opened is
 * checked after the fact (readOpened): a file that turns out to lie outside `root` is never read.
 */
export async function readInRoot(root: string, inside: string, max: number): Promise<string> {
  return readOpened(root, await resolveInRoot(root, inside), max)
}

/** Open `hostPath` (no symlink as its last component) and read it only if it really is under `root`. */
export async function readOpened(root: string, hostPath: string, max: number): Promise<string> {
  const fh = await fs.open(hostPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW).catch(() => undefined)
  if (!fh) return ''
  try {
    const real = await fs.readlink(`/proc/self/fd/${fh.fd}`)
    if (!real.startsWith(path.resolve(root) + '/') || !(await fh.stat()).isFile()) return ''
    const buf = Buffer.alloc(max)
    const {bytesRead} = await fh.read(buf, 0, max, 0)
    return buf.subarray(0, bytesRead).toString()
  } finally {
    await fh.close()
  }
}
