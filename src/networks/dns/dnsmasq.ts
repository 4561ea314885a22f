import fs from 'node:fs/promises'
import path from 'node:path'
import {isAlive, pidStartTime, signal, waitFor} from '../../kernel/proc.js'
import {note, run} from '../../kernel/runner.js'
import {KernelError, UserError} from '../../errors.js'

// One dnsmasq process, as the networks' resolvers (resolver.ts) and the containers' forwarders
// (forwarder.ts) run it: started from a fixed environment (nothing of the caller's reaches it),
// found again by its pid file, and signalled only once /proc shows it is /usr/sbin/dnsmasq
// running that very --conf-file (a recycled PID, or another root's dnsmasq, is never ours).

export const DNSMASQ = '/usr/sbin/dnsmasq'

/** Is PID the dnsmasq started with `confFile` (and, given its start time, not a recycled PID)? */
export async function isOurDnsmasq(confFile: string, pid: number, pidStart?: number): Promise<boolean> {
  if (!isAlive(pid, pidStart)) return false
  const exe = await fs.readlink(`/proc/${pid}/exe`).catch(() => '')
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  return exe === DNSMASQ && cmdline.split('\0').includes(`--conf-file=${confFile}`)
}

export async function requireDnsmasq(what: string): Promise<void> {
  if (!(await fs.access(DNSMASQ).then(() => true, () => false))) throw new UserError(`${DNSMASQ} is not installed: ${what} need it to resolve names; install Debian's dnsmasq-base (scripts/install-deps.sh)`)
}

/**
 * Start dnsmasq with `confFile`, in the host's network namespace or (netns) only in that one:
 * `env -i` gives it a fixed environment, nsenter enters no other namespace. dnsmasq forks into
 * the background once it listens, so when this returns it answers. A dnsmasq that cannot start
 * is a UserError made by `failure` from its last line.
 */
export async function startDnsmasq(o: {confFile: string; pidFile: string; netns?: string; why: string; failure: (why: string) => string}): Promise<{pid: number; pidStart: number}> {
  const inNetns = o.netns ? ['nsenter', `--net=${o.netns}`, '--'] : []
  const r = await run(['env', '-i', 'LC_ALL=C', ...inNetns, DNSMASQ, `--conf-file=${o.confFile}`], {allowFail: true, why: o.why})
  if (r.exitCode !== 0) throw new UserError(o.failure(((r.stderr || r.stdout).trim().split('\n').pop() ?? '').replace(/^dnsmasq: /, '')))
  const pid = await pidFromFile(o.pidFile)
  if (!pid || !(await isOurDnsmasq(o.confFile, pid))) throw new KernelError([DNSMASQ], `dnsmasq started but left no running process in ${o.pidFile}`, undefined)
  return {pid, pidStart: pidStartTime(pid)}
}

/**
 * SIGTERM (then SIGKILL) to each candidate PID that is our dnsmasq of `confFile`: the one our
 * state file names (with its start time) and the one dnsmasq's own pid file names (a crash
 * may have lost the state file). True when one was stopped.
 */
export async function stopDnsmasq(confFile: string, candidates: Array<[number, number | undefined]>, why: string): Promise<boolean> {
  let stopped = false
  for (const [pid, start] of candidates) {
    if (!pid || !(await isOurDnsmasq(confFile, pid, start))) continue
    const pidStart = pidStartTime(pid)
    note(`kill ${pid}`, why)
    signal(pid, 'SIGTERM', pidStart)
    if (!(await waitFor(() => !isAlive(pid, pidStart), 2000, 10))) signal(pid, 'SIGKILL', pidStart)
    stopped = true
  }
  return stopped
}

/** The PID dnsmasq wrote to its pid file, or 0. */
export async function pidFromFile(pidFile: string): Promise<number> {
  return Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim()) || 0
}

/** dnsmasq re-reads its hosts and servers files as nobody: 0644 whatever the umask. */
export async function writeReadable(file: string, text: string): Promise<void> {
  await fs.writeFile(file, text)
  await fs.chmod(file, 0o644)
}

/**
 * dnsmasq answers as nobody and re-reads its files as nobody: `dirs` (ours) are made 0755, and
 * every directory above the first must let others through, or it would silently read nothing.
 */
export async function readableByNobody(dirs: string[]): Promise<void> {
  for (const dir of dirs) await fs.chmod(dir, 0o755)
  for (let dir = path.dirname(dirs[0]); ; dir = path.dirname(dir)) {
    const st = await fs.stat(dir)
    if ((st.mode & 0o001) === 0) throw new UserError(`dnsmasq (running as nobody) cannot reach ${dirs[dirs.length - 1]}: ${dir} is not searchable by others (mode ${(st.mode & 0o777).toString(8)}); chmod o+x ${dir}, or set MINIRUN_RUNTIME_DIR elsewhere`)
    if (dir === path.dirname(dir)) return
  }
}
