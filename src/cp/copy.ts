import {randomBytes} from 'node:crypto'
import {once} from 'node:events'
import {createWriteStream} from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {create as createTar} from 'tar'
import {UserError} from '../errors.js'
import {extractTar} from '../images/extract.js'
import {paths} from '../state/paths.js'
import {resolveInRoot} from '../util/scoped-path.js'
import {copyFile, copyTree} from '../volumes/copy-up.js'
import type {ContainerRecord} from '../containers/record.js'
import {contentsOnly, parentAndName} from './args.js'
import {locate} from './root.js'

// `cp` with Docker's semantics. The container's content is hostile: every path in it is resolved
// with its root as "/" (resolveInRoot), the last component is never followed (a link is copied
// as a link), reads open O_NOFOLLOW, and writes into it go through the same safe extraction as
// image layers (no "..", no escaping links, no device nodes, nothing followed outside).

/** The host path of `inside` in the container, its final component not followed; undefined if missing. */
async function sourceIn(rec: ContainerRecord, inside: string): Promise<string | undefined> {
  const {root, rest} = locate(rec, inside)
  const [parent, name] = parentAndName(rest)
  const host = name === '' ? root : path.join(await resolveInRoot(root, parent), name)
  return (await fs.lstat(host).catch(() => undefined)) ? host : undefined
}

/** Container → host path, or → a tar on stdout for "-". */
export async function copyOut(rec: ContainerRecord, inside: string, local: string, stdout: NodeJS.WritableStream): Promise<void> {
  const src = await sourceIn(rec, inside)
  if (!src) throw new UserError(`could not find ${inside} in container ${rec.name}`)
  const st = await fs.lstat(src)
  if (local === '-') {
    const whole = contentsOnly(inside) || path.posix.normalize(inside) === '/'
    // node-tar lstat()s what it packs (follow: false): links are archived as links
    const tar = createTar({cwd: whole ? src : path.dirname(src), portable: false}, [whole ? '.' : path.basename(src)])
    // process.stdout never emits 'finish': write and drain by hand instead of pipeline()
    for await (const chunk of tar as AsyncIterable<Buffer>) if (!stdout.write(chunk)) await once(stdout, 'drain')
    return
  }
  const destSt = await fs.lstat(local).catch(() => undefined)
  let target: string
  if (destSt?.isDirectory()) target = contentsOnly(inside) ? local : path.join(local, path.basename(src))
  else if (destSt) {
    if (st.isDirectory()) throw new UserError(`cannot copy a directory to a file: ${local} exists and is not a directory`)
    target = local
  } else {
    if (local.endsWith('/')) throw new UserError(`destination directory ${local} does not exist; create it first`)
    if (!(await fs.stat(path.dirname(path.resolve(local))).catch(() => undefined))?.isDirectory()) throw new UserError(`no such directory: ${path.dirname(path.resolve(local))}`)
    target = local
  }
  await copyEntry(src, st, target)
}

async function copyEntry(src: string, st: Awaited<ReturnType<typeof fs.lstat>>, target: string): Promise<void> {
  const there = await fs.lstat(target).catch(() => undefined)
  if (st.isDirectory()) {
    if (there && !there.isDirectory()) await fs.rm(target, {force: true})
    if (!there?.isDirectory()) await fs.mkdir(target, {mode: 0o755})
    await copyTree(src, target, true)
    await fs.chmod(target, Number(st.mode) & 0o7777)
  } else if (st.isSymbolicLink()) {
    if (there) await fs.rm(target, {recursive: true, force: true})
    await fs.symlink(await fs.readlink(src), target)
  } else if (st.isFile()) {
    if (there) await fs.rm(target, {recursive: true, force: true})
    await copyFile(src, target, st)
  } else {
    throw new UserError(`${path.basename(src)} is a device node, FIFO or socket: cp copies files, directories and links`)
  }
}

/** Host path or a tar on stdin ("-") → the container. */
export async function copyIn(rec: ContainerRecord, local: string, inside: string, stdin: NodeJS.ReadableStream): Promise<void> {
  const {root, rest} = locate(rec, inside)
  const dest = await resolveInRoot(root, rest)
  const destSt = await fs.lstat(dest).catch(() => undefined)
  await fs.mkdir(paths.tmp(), {recursive: true})
  const tmp = path.join(paths.tmp(), `cp-${randomBytes(8).toString('hex')}.tar`)
  try {
    if (local === '-') {
      if (!destSt?.isDirectory()) throw new UserError(`destination ${inside} must be an existing directory in container ${rec.name} to extract a tar stream into`)
      await pipeline(stdin, createWriteStream(tmp, {flags: 'wx', mode: 0o600}))
      await extractTar(tmp, dest, {label: 'the tar stream on stdin'})
      return
    }
    const st = await fs.lstat(local).catch(() => undefined)
    if (!st) throw new UserError(`no such file or directory: ${local}`)
    let dir: string
    let name: string
    if (destSt?.isDirectory()) [dir, name] = [dest, path.basename(path.resolve(local))]
    else if (destSt) {
      if (st.isDirectory()) throw new UserError(`cannot copy a directory to a file: ${inside} exists in container ${rec.name} and is not a directory`)
      ;[dir, name] = [path.dirname(dest), path.basename(dest)]
    } else {
      if (inside.endsWith('/')) throw new UserError(`destination directory ${inside} does not exist in container ${rec.name}; create it first`)
      if (!(await fs.lstat(path.dirname(dest)).catch(() => undefined))?.isDirectory()) throw new UserError(`no such directory in container ${rec.name}: ${path.posix.dirname(inside)}`)
      ;[dir, name] = [path.dirname(dest), path.basename(dest)]
    }
    const abs = path.resolve(local)
    const contents = contentsOnly(local) && st.isDirectory()
    // the host side is trusted: archive it as it is, then extract it safely under the new name
    await createTar({file: tmp, cwd: contents ? abs : path.dirname(abs), portable: false}, [contents ? '.' : path.basename(abs)])
    const from = path.basename(abs)
    const rename = (n: string) => {
      if (contents || name === from) return n
      const parts = n.split('/').filter((p) => p !== '' && p !== '.')
      if (parts[0] === from) parts[0] = name
      return parts.join('/')
    }
    await extractTar(tmp, dir, {label: `cp ${local}`, mapName: rename})
  } finally {
    await fs.rm(tmp, {force: true})
  }
}
