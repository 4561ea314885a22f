import path from 'node:path'
import {isAlive} from '../kernel/proc.js'
import {isMounted, mountOverlay, unmount} from '../kernel/mount.js'
import {withLock} from '../state/lock.js'
import type {ContainerRecord} from '../containers/record.js'
import {etcFile} from '../containers/etc.js'

// The container's files as the host sees them: its overlay root (mounted for the time of the
// copy when the container is stopped, under the store lock so no `start` mounts it meanwhile),
// and its volumes and binds, which are mounted only in the container's own mount namespace.

export interface Located {
  /** the directory that is "/" for this path: the overlay root, or a volume's source */
  root: string
  /** the path below that root */
  rest: string
}

/** Which root serves `inside`: the deepest mount that holds it, else the container's root. */
export function locate(rec: ContainerRecord, inside: string): Located {
  const norm = path.posix.normalize(inside).replace(/\/+$/, '') || '/'
  // minirun's /etc/hosts, hostname and resolv.conf are bind-mounted files too
  for (const name of ['hosts', 'hostname', 'resolv.conf'] as const) if (norm === `/etc/${name}`) return {root: etcFile(rec.id, name), rest: '/'}
  const binds = [...rec.hostConfig.binds].sort((a, b) => b.containerPath.length - a.containerPath.length)
  const b = binds.find((m) => norm === m.containerPath || norm.startsWith(m.containerPath + '/'))
  if (b) return {root: b.hostPath, rest: norm.slice(b.containerPath.length) || '/'}
  return {root: rec.rootfs.merged, rest: norm}
}

export async function withContainerRoot<T>(rec: ContainerRecord, fn: () => Promise<T>): Promise<T> {
  const running = rec.state.status === 'running' && isAlive(rec.state.pid, rec.state.pidStart)
  if (running && (await isMounted(rec.rootfs.merged))) return fn()
  return withLock(async () => {
    const mine = !(await isMounted(rec.rootfs.merged))
    if (mine) await mountOverlay(rec.rootfs.lower, rec.rootfs.upper, rec.rootfs.work, rec.rootfs.merged)
    try {
      return await fn()
    } finally {
      if (mine) await unmount(rec.rootfs.merged)
    }
  })
}
