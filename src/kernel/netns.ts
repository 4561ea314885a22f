import fsSync from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {helperOp} from './flock.js'
import {unmount} from './mount.js'
import {note, run, shellLine, shellQuote} from './runner.js'

// A container's network namespace lives as a bind-mounted nsfs file under the runtime dir, so it
// outlives any process and can be found again by the container id (`system prune` relies on it).

/** IPv6 off and loopback up, run inside the new namespace (rootfs/tools/netnsinit.c, built static). */
const NETNSINIT = fileURLToPath(new URL('../../tools/netnsinit', import.meta.url))

/**
 * Create a network namespace persisted at `file`, with loopback up (the container itself lacks
 * CAP_NET_ADMIN to do it) and, as in Docker without --ipv6, IPv6 off: minirun hands out IPv4
 * addresses only. `unshare --net=FILE` runs netnsinit inside: two processes in all.
 */
export async function createNetns(file: string): Promise<void> {
  note(`mkdir -p ${shellQuote(path.dirname(file))} && touch ${shellQuote(file)}`, 'the mount point that will hold the new network namespace')
  fsSync.mkdirSync(path.dirname(file), {recursive: true})
  fsSync.writeFileSync(file, '', {flag: 'a'})
  const argv = ['unshare', `--net=${file}`, NETNSINIT]
  const why = 'create a network namespace, persist it as a bind mount; inside, netnsinit: net.ipv6.conf.{all,default}.disable_ipv6=1 (IPv4 only), loopback up'
  // the lock helper does the same without two spawns; if it cannot, unshare(1) does or says why not
  if ((await helperOp('netns', file)) === '') return note(shellLine(argv), why)
  await run(argv, {why})
}

export async function deleteNetns(file: string): Promise<void> {
  // cleanup is idempotent (rm of an exited container runs it again): unmount checks first
  await unmount(file, 'release the network namespace (the kernel frees it with its last user)')
  note(`rm -f ${shellQuote(file)}`)
  fsSync.rmSync(file, {force: true})
}

/** Run a tool inside a network namespace (ip, sysctl...). */
export function inNetns(file: string, argv: string[]): string[] {
  return ['nsenter', `--net=${file}`, '--', ...argv]
}

/**
 * Whether `file` holds a network namespace (an nsfs bind mount), whose release then frees it and
 * the links inside once nothing else holds it. Something may: a socket, an nsfs fd or an open
 * /proc/PID/net file a container handed out lives on after it. So a bridge endpoint's host end is
 * first taken off its bridge (networks/drivers/bridge.ts deleteVeth), rather than deleted.
 */
export function holdsNetns(file: string): boolean {
  try {
    return fsSync.statfsSync(file).type === NSFS_MAGIC
  } catch {
    return false
  }
}
const NSFS_MAGIC = 0x6e736673
