import fs from 'node:fs/promises'
import {readFileSync} from 'node:fs'
import {helperOp} from './flock.js'
import {note, run, shellLine, shellQuote} from './runner.js'

// Each container's root is an overlay: the image's unpacked rootfs is the read-only lower layer,
// writes go to a per-container upper dir. The image is never copied.
export async function mountOverlay(lower: string, upper: string, work: string, merged: string): Promise<void> {
  note(`mkdir -p ${[upper, work, merged].map(shellQuote).join(' ')}`)
  for (const d of [upper, work, merged]) await fs.mkdir(d, {recursive: true})
  const argv = ['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]
  const why = "the container's root: image read-only below, its own writable layer above"
  // the lock helper mounts without a spawn; if it cannot, mount(8) does it or says why not
  if ((await helperOp('overlay', lower, upper, work, merged)) === '') return note(shellLine(argv), why)
  await run(argv, {why})
}

export async function unmount(target: string, why = 'unmount the container root'): Promise<void> {
  if (!(await isMounted(target))) return
  if ((await helperOp('umount', target)) === '') return note(shellLine(['umount', target]), why)
  await run(['umount', target], {allowFail: true, why})
  if (await isMounted(target)) await run(['umount', '-l', target], {allowFail: true})
}

// /proc/self/mounts is read synchronously: a /proc file of unknown size is many read(2)s, each
// a thread-pool trip when asynchronous (an rm -f asks three times)
export async function isMounted(target: string): Promise<boolean> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
  return mounts.split('\n').some((l) => l.split(' ')[1] === encodeMountPath(target))
}

/** Mount points under `prefix` (as /proc/self/mounts shows them), deepest first. */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
  const enc = encodeMountPath(prefix)
  return mounts
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => !!p && (p === enc || p.startsWith(enc + '/')))
    .map(decodeMountPath)
    .sort((a, b) => b.length - a.length)
}

const encodeMountPath = (p: string) => p.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'))
const decodeMountPath = (p: string) => p.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)))
