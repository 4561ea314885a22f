import fs from 'node:fs/promises'
import path from 'node:path'
import {killMembers, listCgroupIds, planForRemoval, removeCgroups} from '../kernel/cgroups.js'
import {deleteNetns} from '../kernel/netns.js'
import {mountsUnder, unmount} from '../kernel/mount.js'
import {isAlive} from '../kernel/proc.js'
import {liveStatus} from './inspect.js'
import {phase} from '../kernel/runner.js'
import {pruneForwarders} from '../networks/dns/forwarder.js'
import {pruneCni} from '../networks/drivers/cni.js'
import {pruneNetworkState} from '../networks/prune.js'
import {isNetworkRecord} from '../networks/records.js'
import {isPodRecord, podDir, podFile} from '../pods/records.js'
import {pruneUnusedBlobs} from '../images/store.js'
import {CorruptStateError, listDir, moveAside, readJson} from '../state/files.js'
import {withLock} from '../state/lock.js'
import {instanceTag, paths} from '../state/paths.js'
import {listContainers, scanContainers} from './find.js'
import {corruptDir, salvageContainer} from './salvage.js'
import {cleanupContainer, endOrphanedLaunch} from './lifecycle.js'
import {sweepNames} from './name-index.js'
import {type ContainerRecord, readRecord, removeStateDir} from './record.js'

// `system prune`: remove stopped containers, then reconcile the kernel against the records.
// An orphan is anything carrying minirun's names (veth mr<id>, netns file <id>, overlay under
// containers/<id>, nft map entry of <id>, IP lease of <id>) whose container is not alive.

export interface PruneReport {
  containers: string[]
  orphans: string[]
}

/** A record is alive if its PID 1 or its monitor (or, while starting, its creator) still runs. */
function alive(rec: ContainerRecord): boolean {
  if (rec.state.status === 'running') return liveStatus(rec) === 'running' || isAlive(rec.state.launcherPid)
  if (rec.state.status === 'created') return isAlive(rec.state.creatorPid ?? 0, rec.state.creatorStart)
  return false
}

export async function prune(): Promise<PruneReport> {
  const report: PruneReport = {containers: [], orphans: []}
  phase('teardown', 'system prune')

  // 0. Records that cannot be read: end their processes, release their kernel objects, move them aside.
  const scan = await scanContainers()
  for (const {id, error} of scan.corrupt) {
    const s = await salvageContainer(id)
    report.orphans.push(`unreadable record ${error.file} (${error.reason}): moved to ${s.movedTo ?? '(already gone)'}`)
    if (s.killed.length > 0) report.orphans.push(`processes of container ${id.slice(0, 12)}: ${s.killed.join(' ')}`)
    report.orphans.push(...s.released)
  }
  report.orphans.push(...(await moveAsideCorruptRecords()))

  // 1. Containers: exited ones go; "running"/"created" ones whose processes are gone are orphans.
  for (const rec of scan.records) {
    if (alive(rec)) continue
    if (rec.state.status !== 'exited') {
      report.orphans.push(`container ${rec.id.slice(0, 12)} (${rec.state.status}, its minirun process is gone)`)
      await endOrphanedLaunch(rec)
    }
    await cleanupContainer(rec.id).catch(() => {})
    await withLock(async () => {
      await unmount(rec.rootfs.merged)
      await removeStateDir(rec)
    })
    report.containers.push(rec.id)
  }

  await withLock(async () => {
    const live = (await listContainers()).filter(alive)
    const liveIds = new Set(live.map((c) => c.id))
    const isLive = (id: string) => liveIds.has(id) || [...liveIds].some((l) => l.startsWith(id))

    // 2. State dirs without a record (a crash between mkdir and the first write).
    for (const id of await listDir(paths.containers())) {
      if (!(await readRecord(id).catch(() => undefined)) && !isLive(id)) {
        for (const m of await mountsUnder(paths.container(id))) await unmount(m)
        await fs.rm(paths.container(id), {recursive: true, force: true})
        report.orphans.push(`state dir ${id.slice(0, 12)}`)
      }
    }
    await sweepNames()
    // 3. Overlay mounts of containers that are gone.
    for (const m of await mountsUnder(paths.containers())) {
      const id = path.relative(paths.containers(), m).split(path.sep)[0]
      if (!isLive(id)) {
        await unmount(m)
        report.orphans.push(`mount ${m}`)
      }
    }
    // CNI attachments of containers that are gone, while their netns files still exist.
    report.orphans.push(...(await pruneCni(new Set([...liveIds]))))
    // 4. DNS forwarders (they hold their namespaces alive), then network namespace files.
    report.orphans.push(...(await pruneForwarders(isLive)))
    for (const id of await listDir(paths.netnsDir())) {
      if (!isLive(id)) {
        await deleteNetns(paths.netns(id))
        report.orphans.push(`netns ${id.slice(0, 12)}`)
      }
    }
    // 5. Cgroups of containers that are gone.
    const tag = instanceTag()
    for (const id of await listCgroupIds(tag)) {
      if (!isLive(id)) {
        const plan = planForRemoval(id, tag)
        await killMembers(plan)
        await removeCgroups(plan)
        report.orphans.push(`cgroup ${id.slice(0, 12)}`)
      }
    }
    // 7. Work dirs of imports and pulls whose process is gone (named <kind>-<pid>-<random>).
    for (const name of await listDir(paths.tmp())) {
      const pid = Number(/^[a-z]+-(\d+)-/.exec(name)?.[1] ?? 0)
      if (pid && !isAlive(pid)) {
        await fs.rm(path.join(paths.tmp(), name), {recursive: true, force: true})
        report.orphans.push(`work dir tmp/${name}`)
      }
    }
    // Blobs only those work dirs still held (a pull in progress holds its own by a hard link).
    await pruneUnusedBlobs()
    // 8. The network's share: veth host ends, DNAT entries and leases of containers that are
    //    gone, then bridges nobody uses (and with the last one, the nft table).
    report.orphans.push(...(await pruneNetworkState(isLive)))
    // 9. Overlays: networks this host no longer uses, their tunnel ends, its stale etcd keys
    report.orphans.push(...(await (await import('../networks/drivers/overlay/prune.js')).pruneOverlay(isLive)))
  })
  return report
}

/** Network and pod records that cannot be read go to ROOT/corrupt, so every other command works again. */
async function moveAsideCorruptRecords(): Promise<string[]> {
  const out: string[] = []
  const check = async (file: string, valid: (v: unknown) => boolean, move: string, name: string) => {
    try {
      await readJson(file, valid)
    } catch (error) {
      if (!(error instanceof CorruptStateError)) throw error
      const dest = await moveAside(corruptDir(), move, name)
      out.push(`unreadable record ${file} (${error.reason}): moved to ${dest}`)
    }
  }
  await withLock(async () => {
    for (const f of await listDir(paths.networks())) {
      if (f.endsWith('.json')) await check(path.join(paths.networks(), f), isNetworkRecord, path.join(paths.networks(), f), `network-${f}`)
    }
    for (const n of await listDir(paths.pods())) await check(podFile(n), isPodRecord, podDir(n), `pod-${n}`)
  })
  return out
}
