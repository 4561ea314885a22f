import {constants as C} from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {note, shellQuote} from '../kernel/runner.js'
import {resolveInRoot} from '../util/scoped-path.js'

// Docker's copy-up: a volume that is empty when first mounted gets the image's content at that
// path. The image is hostile input: its path is resolved inside its own root, the walk never
// follows a symlink (they are copied as links), files are opened O_NOFOLLOW and created
// O_EXCL, device nodes, FIFOs and sockets are skipped; modes, owners and mtimes are kept.

export async function copyUp(imageRoot: string, inside: string, dest: string): Promise<void> {
  const src = await resolveInRoot(imageRoot, inside)
  const st = await fs.lstat(src).catch(() => undefined)
  if (!st?.isDirectory()) return
  if ((await fs.readdir(dest)).length > 0) return
  note(`cp -a ${shellQuote(src)}/. ${shellQuote(dest)}/`, `copy the image's ${inside} into the new volume, as Docker does`)
  await copyTree(src, dest)
  await fs.lchown(dest, st.uid, st.gid)
  await fs.chmod(dest, st.mode & 0o7777)
}

/**
 * Copy the entries of directory src into the directory dest, without following links in src.
 * `merge` (cp): an existing directory in dest is kept and filled, anything else there replaced.
 */
export async function copyTree(src: string, dest: string, merge = false): Promise<void> {
  for (const name of await fs.readdir(src)) {
    const from = path.join(src, name)
    const to = path.join(dest, name)
    const st = await fs.lstat(from)
    const there = merge ? await fs.lstat(to).catch(() => undefined) : undefined
    if (there && !(st.isDirectory() && there.isDirectory())) await fs.rm(to, {recursive: true, force: true})
    if (st.isDirectory()) {
      if (!there?.isDirectory()) await fs.mkdir(to, {mode: 0o700})
      await copyTree(from, to, merge)
      await fs.lchown(to, st.uid, st.gid)
      await fs.chmod(to, st.mode & 0o7777) // `to` is the directory just made: no link to follow
      await fs.utimes(to, st.atime, st.mtime)
    } else if (st.isSymbolicLink()) {
      await fs.symlink(await fs.readlink(from), to)
      await fs.lchown(to, st.uid, st.gid)
    } else if (st.isFile()) {
      await copyFile(from, to, st)
    }
    // device nodes, FIFOs, sockets: never created
  }
}

export async function copyFile(from: string, to: string, st: Awaited<ReturnType<typeof fs.lstat>>): Promise<void> {
  const input = await fs.open(from, C.O_RDONLY | C.O_NOFOLLOW)
  try {
    const output = await fs.open(to, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600)
    try {
      const buf = Buffer.alloc(1 << 16)
      for (;;) {
        const {bytesRead} = await input.read(buf, 0, buf.length, null)
        if (bytesRead === 0) break
        await output.write(buf, 0, bytesRead)
      }
      await output.chown(Number(st.uid), Number(st.gid))
      await output.chmod(Number(st.mode) & 0o7777)
      await output.utimes(st.atime, st.mtime)
    } finally {
      await output.close()
    }
  } finally {
    await input.close()
  }
}
