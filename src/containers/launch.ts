import {fileURLToPath} from 'node:url'

// Pure builders for the command lines that start a container and enter one (`exec`). Both run
// one static binary of minirun's own, rootfs/tools/launcher.c (runc's init in small): it joins or
// makes the namespaces, mounts proc, /dev, sysfs and the volumes inside the root without
// following the image's symlinks out of it, pivots into the root and detaches the host's,
// masks Docker's paths, drops capabilities, sets no_new_privs, loads the seccomp filter and
// execs the image's own file. No shell and no other host binary runs inside the container.

export const LAUNCHER = fileURLToPath(new URL('../../tools/launcher', import.meta.url))

/** Docker's PATH for an image that sets none (the launcher uses the same). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** The environment every host-side helper runs with: nothing of the container's, nor the caller's. */
export const HOST_ENV: Readonly<Record<string, string>> = {PATH: DEFAULT_PATH, LC_ALL: 'C'}

export interface Mount {
  /** host path */
  source: string
  /** absolute path inside the container (the launcher resolves it inside the root) */
  target: string
  readOnly: boolean
}

/** Where --init's binary is copied: the container's private /dev tmpfs, not its image. */
export const INIT_PATH = '/dev/.minirun-init'

/** What the container's process gets: the same for `run` and `exec`. */
export interface ProcessSpec {
  argv: string[]
  /** KEY=VALUE, applied only to the container's command */
  env: string[]
  workdir: string
  caps: string[]
  privileged: boolean
  /** false: --security-opt seccomp=unconfined */
  seccomp: boolean
  /** cgroup.procs files to join first */
  cgroupProcs?: string[]
  /** -t: a pty of the container's own (its slave is the process's stdio) */
  tty: boolean
  /** -i: stdin stays open */
  stdin: boolean
  /** -u, resolved from the image's /etc/passwd */
  user?: {uid: number; gid: number; groups: number[]}
  /** --ulimit */
  rlimits?: Array<{resource: number; soft: string; hard: string}>
}

/**
 * The launcher's host side is the container's monitor (podman's conmon): it relays the output
 * to the caller and the log, keeps stdin, serves `attach` and records the exit code.
 */
export interface MonitorSpec {
  /** nothing relayed to the launcher's own stdio; a detached container's */
  detached?: boolean
  /** the container's output, one CRI record per line (src/containers/logs.ts reads it) */
  log?: string
  exitFile?: string
  pidFile?: string
  attachSocket?: string
  /** [node, bin, id]: once the exit is recorded, the launcher becomes `minirun container cleanup id` */
  cleanup?: [string, string, string]
  /** no cleanup when this file exists at the exit: the caller that ended it (rm -f) cleans up */
  cleanupUnless?: string
}

export interface LaunchSpec extends ProcessSpec, MonitorSpec {
  /** the overlay mount that becomes / */
  root: string
  binds: Mount[]
  hostname?: string
  readOnly?: boolean
  tmpfs?: Array<{path: string; options: string}>
  /** bytes */
  shmSize?: number
  /** host path of minit: run the command under a copy of it (--init) */
  init?: string
  /** join this network namespace (bind-mounted nsfs file); none: stay in the caller's */
  netns?: string
  /** join these namespaces instead of making new ones (pods share UTS and IPC) */
  uts?: string
  ipc?: string
  /** a pod's mount namespace (/proc/PID/ns/mnt of its pause container): share its /dev/shm */
  shmFrom?: string
}

function processArgs(s: ProcessSpec): string[] {
  const args: string[] = []
  for (const f of s.cgroupProcs ?? []) args.push('--cgroup', f)
  args.push('--workdir', s.workdir, '--caps', s.caps.join(','), '--privileged', String(s.privileged), '--seccomp', s.seccomp ? 'default' : 'unconfined')
  args.push('--tty', String(s.tty), '--stdin', String(s.stdin))
  if (s.user) args.push('--user', `${s.user.uid}:${s.user.gid}`, '--groups', s.user.groups.join(','))
  for (const r of s.rlimits ?? []) args.push('--rlimit', String(r.resource), r.soft, r.hard)
  for (const e of s.env) args.push('--env', e)
  return args
}

/**
 * Docker's mount order: by the number of path components of the destination, so `-v A:/m
 * -v B:/m/sub` mounts B inside A (the launcher then makes /m/sub in A, as Docker does).
 */
export function orderMounts(binds: Mount[]): Mount[] {
  const depth = (p: string) => p.split('/').filter(Boolean).length
  return [...binds].sort((a, b) => depth(a.target) - depth(b.target))
}

/** argv that starts the container in the foreground of the calling process. */
export function launchArgv(s: LaunchSpec): string[] {
  const argv = [LAUNCHER, 'launch', '--root', s.root]
  if (s.netns) argv.push('--netns', s.netns)
  if (s.uts) argv.push('--uts', s.uts)
  if (s.ipc) argv.push('--ipc', s.ipc)
  if (s.shmFrom) argv.push('--shm-from', s.shmFrom)
  if (s.hostname) argv.push('--hostname', s.hostname)
  for (const b of orderMounts(s.binds)) argv.push('--bind', b.source, b.target, b.readOnly ? 'ro' : 'rw')
  if (s.init) argv.push('--init', s.init)
  if (s.readOnly) argv.push('--read-only', 'true')
  for (const t of s.tmpfs ?? []) argv.push('--tmpfs', t.path, t.options)
  if (s.shmSize) argv.push('--shm-size', String(s.shmSize))
  if (s.detached) argv.push('--detached', 'true')
  if (s.log) argv.push('--log', s.log)
  if (s.exitFile) argv.push('--exit-file', s.exitFile)
  if (s.pidFile) argv.push('--pid-file', s.pidFile)
  if (s.attachSocket) argv.push('--attach-socket', s.attachSocket)
  if (s.cleanup) argv.push('--cleanup', ...s.cleanup)
  if (s.cleanupUnless) argv.push('--cleanup-unless', s.cleanupUnless)
  return [...argv, ...processArgs(s), '--', ...s.argv]
}

export interface ExecSpec extends ProcessSpec {
  pid: number
  /** exec -d: no caller to relay to */
  detached?: boolean
  /** the PID's start time: a recycled PID is refused */
  pidStart?: number
}

/** argv that runs a command inside a running container, as its PID 1 was started. */
export function execArgv(s: ExecSpec): string[] {
  const argv = [LAUNCHER, 'exec', '--pid', String(s.pid)]
  if (s.pidStart) argv.push('--pid-start', String(s.pidStart))
  if (s.detached) argv.push('--detached', 'true')
  return [...argv, ...processArgs(s), '--', ...s.argv]
}
