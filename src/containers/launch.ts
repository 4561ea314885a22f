import {shellQuote} from '../kernel/runner.js'

// Pure builders for the command chains that start a container and enter one (`exec`).
// See KERNEL-NOTES.md "Launching a container without a compiled helper":
//   setpriv (keep sys_admin inheritable) → setpriv (cut the bounding set) → unshare (new PID,
//   mount, UTS, IPC namespaces) → static busybox sh STAGE (mounts, pivot_root) → setpriv (drop
//   sys_admin, no_new_privs) → the command.
// For root, permitted caps after execve = bounding ∪ inheritable, so sys_admin survives into the
// stage only through the inheritable set and is gone once the stage drops it.

export const BUSYBOX = '/bin/busybox'
// Absolute paths: the chain runs with the container's environment, whose PATH is not the host's.
export const TOOLS = {nsenter: '/usr/bin/nsenter', setpriv: '/usr/bin/setpriv'}

export interface Mount {
  /** host path (already created safely inside the container root) */
  target: string
  source: string
  readOnly: boolean
}

export interface StageSpec {
  /** the overlay mount that becomes / */
  root: string
  /** host paths inside root, resolved safely beforehand */
  proc: string
  dev: string
  sys: string
  binds: Mount[]
  hostname?: string
  workdir: string
  privileged: boolean
  tty: boolean
  /** host path of minit: run the command under it (--init) */
  init?: string
  /** shell lines that move the stage into the container's cgroups (before anything else runs) */
  cgroupJoin?: string[]
}

/** Where --init's binary is bind-mounted: on the container's private /dev tmpfs, not in its image. */
export const INIT_PATH = '/dev/.minirun-init'

export interface LaunchSpec extends StageSpec {
  argv: string[]
  caps: string[]
  /** join this network namespace (bind-mounted nsfs file); undefined: new empty netns is not made here */
  netns?: string
  /** join these namespaces instead of unsharing new ones (pods share UTS and IPC too) */
  uts?: string
  ipc?: string
}

const DEV_NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty']

/** The shell script the host's static busybox runs inside the new namespaces, before the command. */
export function stageScript(s: StageSpec): string {
  const q = shellQuote
  const lines = [
    'set -e',
    ...(s.cgroupJoin ?? []),
    'mount --make-rprivate /',
    `mount -t proc -o nosuid,nodev,noexec proc ${q(s.proc)}`,
    `mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs ${q(s.dev)}`,
    `for d in ${DEV_NODES.join(' ')}; do touch ${q(s.dev)}/$d; mount --bind /dev/$d ${q(s.dev)}/$d; done`,
    `mkdir -p ${q(s.dev)}/pts ${q(s.dev)}/shm ${q(s.dev)}/mqueue`,
    `mount -t devpts -o newinstance,ptmxmode=0666,mode=620,nosuid,noexec devpts ${q(s.dev)}/pts`,
    `ln -s pts/ptmx ${q(s.dev)}/ptmx`,
    `mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm ${q(s.dev)}/shm`,
    `ln -s /proc/self/fd ${q(s.dev)}/fd; ln -s /proc/self/fd/0 ${q(s.dev)}/stdin; ln -s /proc/self/fd/1 ${q(s.dev)}/stdout; ln -s /proc/self/fd/2 ${q(s.dev)}/stderr`,
    `mount -t sysfs -o ${s.privileged ? 'rw' : 'ro'},nosuid,nodev,noexec sysfs ${q(s.sys)}`,
  ]
  for (const b of s.binds) {
    lines.push(`mount --rbind ${q(b.source)} ${q(b.target)}`)
    if (b.readOnly) lines.push(`mount -o remount,bind,ro ${q(b.target)}`)
  }
  if (s.init) {
    lines.push(`touch ${q(s.dev)}/.minirun-init`, `mount --bind ${q(s.init)} ${q(s.dev)}/.minirun-init`, `mount -o remount,bind,ro ${q(s.dev)}/.minirun-init`)
  }
  if (s.hostname) lines.push(`hostname ${q(s.hostname)}`)
  lines.push(
    `cd ${q(s.root)}`,
    'mkdir .minirun-oldroot',
    'pivot_root . .minirun-oldroot',
    'cd /',
    // Detach the host's root: nothing of it stays reachable from inside (no chroot escape).
    'umount -l /.minirun-oldroot',
    'rmdir /.minirun-oldroot',
    `cd ${q(s.workdir)} 2>/dev/null || { mkdir -p ${q(s.workdir)} && cd ${q(s.workdir)}; }`,
    `${s.privileged ? 'exec' : 'exec -a setpriv /proc/self/exe --inh-caps -sys_admin --nnp --'}${s.init ? ` ${INIT_PATH} --` : ''} "$@"`,
  )
  return lines.join('\n')
}

export function boundingSetArg(caps: string[]): string {
  return ['-all', ...caps.map((c) => `+${c}`)].join(',')
}

/** argv that starts the container in the foreground of the calling process. */
export function launchArgv(s: LaunchSpec): string[] {
  const argv: string[] = []
  const enter: string[] = []
  if (s.netns) enter.push(`--net=${s.netns}`)
  if (s.uts) enter.push(`--uts=${s.uts}`)
  if (s.ipc) enter.push(`--ipc=${s.ipc}`)
  if (enter.length > 0) argv.push(TOOLS.nsenter, ...enter, '--')
  if (!s.privileged) {
    argv.push(TOOLS.setpriv, '--inh-caps', '+sys_admin', '--', TOOLS.setpriv, '--bounding-set', boundingSetArg(s.caps), '--')
  }
  // busybox's unshare, not util-linux's: when PID 1 dies of a signal, util-linux 2.38's fails
  // to re-raise it ("sigprocmask unblock failed") and exits 1; busybox's exits 128+N as a shell does.
  argv.push(BUSYBOX, 'unshare', '-f', '--pid', '--mount')
  if (!s.uts) argv.push('--uts')
  if (!s.ipc) argv.push('--ipc')
  argv.push('--', BUSYBOX, 'sh', '-c', stageScript(s), 'minirun-stage', ...s.argv)
  return argv
}

export interface ExecSpec {
  pid: number
  argv: string[]
  workdir: string
  caps: string[]
  privileged: boolean
}

/**
 * argv that runs a command inside a running container with the same reduced capabilities and
 * no_new_privs as its PID 1. The first nsenter enters every namespace but keeps the host's root
 * (`--root=/` is opened before entering) so the host's setpriv can drop capabilities; the second
 * nsenter only changes root and working directory to the container's (needs just sys_chroot).
 */
export function execArgv(s: ExecSpec): string[] {
  const inner = [TOOLS.nsenter, '-t', String(s.pid), '--root', `--wdns=${s.workdir}`, '--', ...s.argv]
  const enter = [TOOLS.nsenter, '-t', String(s.pid), '-m', '-u', '-i', '-n', '-p', '--root=/', '--']
  if (s.privileged) return [...enter, ...inner]
  return [
    TOOLS.setpriv, '--inh-caps', '+sys_admin', '--',
    TOOLS.setpriv, '--bounding-set', boundingSetArg(s.caps), '--',
    ...enter,
    TOOLS.setpriv, '--inh-caps', '-sys_admin', '--nnp', '--',
    ...inner,
  ]
}
