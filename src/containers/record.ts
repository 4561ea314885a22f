import {rmSync} from 'node:fs'
import path from 'node:path'
import type {NetworkAttachment} from '../networks/driver.js'
import type {PortMapping} from '../networks/ports.js'
import {readJson, writeJsonAtomic} from '../state/files.js'
import {paths} from '../state/paths.js'
import {releaseName} from './name-index.js'

// The on-disk record of one container: $MINIRUN_ROOT/containers/<id>/container.json.
// Written whole (atomic rename) under the store lock; read without it.

export interface Bind {
  /** a bind's source, or the volume's _data directory */
  hostPath: string
  containerPath: string
  readOnly: boolean
  /** set for a volume (named or anonymous): its name in the volume store */
  volume?: string
  /** made for `-v /path`: removed with the container by rm -v and run --rm */
  anonymous?: boolean
}

export type Status = 'created' | 'running' | 'exited'

export interface ContainerRecord {
  id: string
  name: string
  created: string
  image: string
  imageId: string
  rootfs: {lower: string; upper: string; work: string; merged: string}
  config: {
    /** the argv that runs: entrypoint + cmd */
    argv: string[]
    entrypoint: string[]
    cmd: string[]
    env: string[]
    workdir: string
    hostname: string
    tty: boolean
    interactive: boolean
    exposedPorts: string[]
    /** -u: as given (NAME, UID, NAME:GROUP); resolved from the image's /etc/passwd at each start */
    user?: string
    labels?: Record<string, string>
    /** --stop-signal (default SIGTERM) */
    stopSignal?: string
  }
  hostConfig: {
    networkMode: string
    autoRemove: boolean
    binds: Bind[]
    ports: PortMapping[]
    capAdd: string[]
    capDrop: string[]
    privileged: boolean
    readOnly?: boolean
    /** --tmpfs PATH -> OPTIONS */
    tmpfs?: Record<string, string>
    /** --shm-size, bytes */
    shmSize?: number
    ulimits?: Array<{name: string; resource: number; soft: string; hard: string}>
    /** --add-host NAME:IP */
    extraHosts?: string[]
    /** --dns, --dns-search, --dns-option (networks/dns/config.ts) */
    dns?: import('../networks/dns/config.js').DnsSettings
    /** --network-alias: more names on the primary network (user-defined networks) */
    networkAliases?: string[]
    /** --stop-timeout, seconds */
    stopTimeout?: number
    /** --ip: the address asked for on the primary network */
    ipAddress?: string
    /** the networks a stopped container was on, with its addresses: `start` asks for them again */
    endpoints?: Array<{network: string; ifname: string; ip?: string; aliases: string[]}>
    /** --restart: no | always | unless-stopped | on-failure[:N] */
    restart?: string
    /** --security-opt values (seccomp=unconfined, no-new-privileges...) */
    securityOpt?: string[]
    init: boolean
    memory?: number
    pidsLimit?: number
    cpus?: number
    pod?: string
    detached: boolean
  }
  state: {
    status: Status
    /** host PID of the container's PID 1 */
    pid: number
    /** its start time (clock ticks since boot), so a recycled PID is never signalled */
    pidStart: number
    /** host PID of `unshare --fork` (the parent of PID 1) */
    launcherPid: number
    /** frozen by `pause` (the cgroup freezer) */
    paused?: boolean
    /** stop, kill or rm ended it: no restart policy brings it back */
    stoppedByUser?: boolean
    /** how many times the restart policy started it again */
    restartCount?: number
    /** the minirun process creating it: a "created" record whose creator died is an orphan */
    creatorPid?: number
    creatorStart?: number
    /** host PID of what records the exit: the monitor (the launcher) of a detached container, the `run` of an attached one */
    supervisorPid: number
    supervisorStart?: number
    exitCode: number
    /** the kernel's OOM killer killed a process of its memory cgroup */
    oomKilled?: boolean
    startedAt: string
    finishedAt: string
    error: string
  }
  /** path of the container's network namespace (a bind-mounted nsfs file), or null for host mode */
  netns: string | null
  /** for container:<id> and pods: the container whose netns this one joined */
  netnsOwner?: string
  networks: Record<string, NetworkAttachment>
}

export const recordFile = (id: string) => path.join(paths.container(id), 'container.json')
export const logFile = (id: string) => path.join(paths.container(id), 'ctr.log')
export const exitFile = (id: string) => path.join(paths.container(id), 'exitcode')
/** Made by rm -f before it kills: it cleans up itself, so the monitor need not start Node for it. */
export const callerCleansFile = (id: string) => path.join(paths.container(id), 'caller-cleans')
/** The monitor's attach socket: short (a unix socket path has 108 bytes), in the runtime dir. */
export const attachSocket = (id: string) => path.join(paths.attachDir(), `${id.slice(0, 12)}.sock`)

/** Enough of the shape that code reading the record will not trip over a missing part. */
export function isContainerRecord(v: unknown): boolean {
  const r = v as ContainerRecord
  const obj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x)
  return (
    obj(r) && typeof r.id === 'string' && typeof r.name === 'string' && typeof r.created === 'string' &&
    obj(r.rootfs) && obj(r.config) && Array.isArray(r.config.argv) && Array.isArray(r.config.env) &&
    obj(r.hostConfig) && Array.isArray(r.hostConfig.binds) && Array.isArray(r.hostConfig.ports) &&
    obj(r.state) && typeof r.state.status === 'string' && obj(r.networks)
  )
}

/** undefined when there is no record; CorruptStateError (naming the file) when it cannot be read. */
export function readRecord(id: string): Promise<ContainerRecord | undefined> {
  return readJson<ContainerRecord>(recordFile(id), isContainerRecord)
}

export function writeRecord(rec: ContainerRecord): Promise<void> {
  return writeJsonAtomic(recordFile(rec.id), rec, {durable: !rec.hostConfig.autoRemove})
}

/**
 * Remove a container's state dir and give its name back. Idempotent. Synchronously: the
 * asynchronous rm took a thread-pool trip per entry (6.5 ms of an rm -f).
 */
export async function removeStateDir(rec: Pick<ContainerRecord, 'id' | 'name'>): Promise<void> {
  if (rec.name) await releaseName(rec.name, rec.id)
  rmSync(paths.container(rec.id), {recursive: true, force: true})
}
