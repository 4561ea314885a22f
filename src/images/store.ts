// INTERIM (lead): busybox-only resolver so the lifecycle can be tested; replaced by the image store.
import {createHash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {execFileSync} from 'node:child_process'
import {UserError} from '../errors.js'
import {readJson, writeJsonAtomic} from '../state/files.js'
import {paths} from '../state/paths.js'
import type {ImageRecord} from './types.js'

export async function resolveImage(ref: string): Promise<ImageRecord> {
  if (ref !== 'busybox' && ref !== 'busybox:latest') throw new UserError(`image "${ref.includes(':') ? ref : ref + ':latest'}" not found; import it with 'minirun image import FILE ${ref}' (or use busybox)`)
  const id = createHash('sha256').update('busybox-interim').digest('hex')
  const dir = paths.image(id)
  const rec = await readJson<ImageRecord>(path.join(dir, 'image.json'))
  if (rec) return rec
  const tmp = `${dir}.tmp${process.pid}`
  const root = path.join(tmp, 'rootfs')
  for (const d of ['bin', 'www', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'var/run']) await fs.mkdir(path.join(root, d), {recursive: true})
  await fs.copyFile('/bin/busybox', path.join(root, 'bin/busybox'))
  await fs.chmod(path.join(root, 'bin/busybox'), 0o755)
  for (const a of execFileSync('/bin/busybox', ['--list'], {encoding: 'utf8'}).split('\n').filter(Boolean)) {
    if (a !== 'busybox') await fs.symlink('busybox', path.join(root, 'bin', a)).catch(() => {})
  }
  await fs.writeFile(path.join(root, 'www/index.html'), '<h1>Hello from minirun</h1>\n')
  await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
  await fs.writeFile(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n')
  await fs.chmod(path.join(root, 'tmp'), 0o1777)
  const r: ImageRecord = {id, repoTags: ['busybox:latest'], rootfs: path.join(dir, 'rootfs'), config: {Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh']}, created: new Date().toISOString(), size: 0}
  await writeJsonAtomic(path.join(tmp, 'image.json'), r)
  await fs.rename(tmp, dir).catch(async () => fs.rm(tmp, {recursive: true, force: true}))
  return (await readJson<ImageRecord>(path.join(dir, 'image.json')))!
}
