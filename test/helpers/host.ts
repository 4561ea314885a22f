import {execa, type ResultPromise} from 'execa'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {listCgroupIds} from '../../src/kernel/cgroups.js'
import {toolPath} from '../../src/kernel/runner.js'
import {tagOf} from '../../src/state/paths.js'

// A disposable "host" for integration tests, as netavark's test suite does it: a network +
// mount namespace held by `sleep`, in which minirun runs with its own MINIRUN_ROOT and
// MINIRUN_RUNTIME_DIR. Bridges, veths, nft tables, sysctls and overlay mounts all live inside
// it, so test files run in parallel and nothing can leak onto the machine, even on a crash.

export const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))

export interface Out {
  stdout: string
  stderr: string
  exitCode: number
}

export class TestHost {
  readonly root: string
  readonly runtime: string
  /** more environment for every minirun this host runs (an overlay test's MINIRUN_CLUSTER_STORE...) */
  extraEnv: Record<string, string> = {}
  private constructor(
    readonly pid: number,
    private readonly holder: ResultPromise,
    readonly dir: string,
  ) {
    this.root = path.join(dir, 'root')
    this.runtime = path.join(dir, 'run')
  }

  static async create(label: string): Promise<TestHost> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mr-test-${label}-`))
    // a network's resolver (dnsmasq) reads its hosts files as nobody: let others through, as /run is
    fs.chmodSync(dir, 0o711)
    const holder = execa('unshare', ['--net', '--mount', '--propagation', 'private', 'sleep', 'infinity'], {stdio: 'ignore', reject: false})
    const pid = holder.pid!
    const myNet = fs.readlinkSync('/proc/self/ns/net')
    for (let i = 0; i < 200; i++) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/ns/net`) !== myNet) break
      } catch {}
      await new Promise((r) => setTimeout(r, 10))
    }
    const host = new TestHost(pid, holder, dir)
    await host.sh('ip link set lo up')
    return host
  }

  env(): Record<string, string> {
    // toolPath: without node_modules/.bin, where `nft` is not nftables under npm
    return {MINIRUN_ROOT: this.root, MINIRUN_RUNTIME_DIR: this.runtime, CI: 'true', PATH: toolPath(), ...this.extraEnv}
  }

  /** Run a command inside the test host's namespaces. */
  async exec(argv: string[], opts: {input?: string; timeout?: number; env?: Record<string, string>} = {}): Promise<Out> {
    const res = await execa('nsenter', ['-t', String(this.pid), '-n', '-m', '--', ...argv], {
      reject: false,
      input: opts.input,
      env: {...this.env(), ...opts.env},
      timeout: opts.timeout ?? 180_000, // 50 CLIs at once on 2 cores, beside other test files, take a while
      stripFinalNewline: false,
    })
    const stderr = res.timedOut ? `timed out after ${opts.timeout ?? 180_000} ms: ${argv.join(' ')}\n${res.stderr ?? ''}` : String(res.stderr ?? '')
    return {stdout: String(res.stdout ?? ''), stderr, exitCode: res.exitCode ?? -1}
  }

  sh(script: string, opts: {input?: string; timeout?: number} = {}): Promise<Out> {
    return this.exec(['sh', '-c', script], opts)
  }

  /** The minirun CLI, inside the test host. */
  mr(...args: string[]): Promise<Out> {
    return this.exec([process.execPath, BIN, ...args])
  }

  /** minirun, expected to succeed: returns trimmed stdout. */
  async ok(...args: string[]): Promise<string> {
    const r = await this.mr(...args)
    if (r.exitCode !== 0) throw new Error(`minirun ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}${r.stdout}`)
    return r.stdout.trim()
  }

  /** The Linux bridge of a bridge network, as `network inspect` names it. */
  async bridgeOf(network: string): Promise<string> {
    return JSON.parse(await this.ok('network', 'inspect', network))[0].Options['com.docker.network.bridge.name'] as string
  }

  /** The links plugged into `bridge` (`ip -o link show master`), one line each. */
  async bridgePorts(bridge: string): Promise<string[]> {
    return (await this.sh(`ip -o link show master ${bridge}`)).stdout.trim().split('\n').filter(Boolean)
  }

  /**
   * Another machine on a wire: a network namespace of its own (held by `sleep`, ended with the
   * host) joined to this host by a veth pair `hostIf` <-> `peerIf`, the peer end addressed.
   * Returns its PID, for `nsenter -t PID -n`.
   */
  async peer(o: {hostIf: string; peerIf: string; peerAddr: string; hostAddr?: string}): Promise<number> {
    const pid = Number((await this.sh('unshare -n sleep 3600 >/dev/null 2>&1 & echo $!')).stdout.trim())
    const r = await this.sh(
      [
        `ip link add ${o.hostIf} type veth peer name ${o.peerIf} netns /proc/${pid}/ns/net`,
        ...(o.hostAddr ? [`ip addr add ${o.hostAddr} dev ${o.hostIf}`] : []),
        `ip link set ${o.hostIf} up`,
        `nsenter -t ${pid} -n sh -c 'ip link set lo up; ip addr add ${o.peerAddr} dev ${o.peerIf}; ip link set ${o.peerIf} up'`,
      ].join(' && '),
    )
    if (r.exitCode !== 0) throw new Error(`cannot wire the peer: ${r.stderr}`)
    return pid
  }

  /**
   * What minirun could have left behind, read from the kernel and the store. Empty when clean.
   * The default bridge and minirun's nft table stay after the last container (as docker0 does):
   * the store is read first, then `container prune -f` must remove them (an orphan it reports is a
   * leak), and the kernel is read after.
   */
  async leaks(): Promise<string[]> {
    const out: string[] = []
    const mounts = (await this.sh('cat /proc/self/mounts')).stdout.split('\n').filter((l) => l.includes(this.dir))
    out.push(...mounts.map((m) => `mount: ${m.split(' ')[1]}`))
    const netns = path.join(this.runtime, 'netns')
    if (fs.existsSync(netns)) out.push(...fs.readdirSync(netns).map((n) => `netns file: ${n}`))
    const containers = path.join(this.root, 'containers')
    if (fs.existsSync(containers)) out.push(...fs.readdirSync(containers).map((c) => `container dir: ${c}`))
    const ipam = path.join(this.root, 'ipam')
    if (fs.existsSync(ipam)) for (const n of fs.readdirSync(ipam)) out.push(...fs.readdirSync(path.join(ipam, n)).map((l) => `ip lease: ${n}/${l}`))
    const links = async () => (await this.sh('ip -o link show')).stdout.split('\n').filter((l) => l.trim() && !/^\d+: lo:/.test(l) && !/: (lan|out|tst)[^:]*[:@]/.test(l))
    const tables = async () => (await this.sh('nft list tables')).stdout.split('\n').filter((l) => /minirun/.test(l))
    if ((await links()).length > 0 || (await tables()).length > 0) {
      const prune = await this.mr('container', 'prune', '-f')
      if (prune.exitCode !== 0) out.push(`system prune failed: ${prune.stderr.trim()}`)
      // what prune had to clean up as an orphan was a leak; the kept bridge and table are not
      out.push(...prune.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => `orphan pruned: ${l.trim()}`))
    }
    out.push(...(await links()).map((l) => `link: ${l.split(':')[1]?.trim()}`))
    out.push(...(await tables()).map((t) => `nft: ${t}`))
    // a network's resolver: its files, and any dnsmasq still running in this host's namespace
    const dns = path.join(this.runtime, 'dns')
    if (fs.existsSync(dns)) out.push(...fs.readdirSync(dns).map((n) => `resolver dir: ${n}`))
    out.push(...dnsmasqsIn(this.pid).map((p) => `dnsmasq: pid ${p}`))
    // containers' DNS forwarders: their files, and any dnsmasq of this runtime dir in any namespace
    const fwd = path.join(this.runtime, 'dns-forwarders')
    if (fs.existsSync(fwd)) out.push(...fs.readdirSync(fwd).map((n) => `dns forwarder dir: ${n}`))
    out.push(...forwardersOf(this.runtime).map((p) => `dns forwarder: pid ${p}`))
    // cgroups (limits, freezer) are the machine's, not the test host's: this root's are tagged
    out.push(...(await listCgroupIds(tagOf(this.root))).map((id) => `cgroup: ${id.slice(0, 12)}`))
    return out
  }

  /**
   * A crash: SIGKILL the container launchers (their monitors) of this host's store and everything
   * below them (PID 1), so no cleanup runs. Returns how many launchers there were.
   */
  crashContainers(): number {
    const procs = processTable()
    const roots = procs.filter((p) => p.cmd.includes('tools/launcher launch') && p.cmd.includes(this.root)).map((p) => p.pid)
    const tree = new Set(roots)
    let grew = true
    while (grew) {
      grew = false
      for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) (tree.add(p.pid), (grew = true))
    }
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    return roots.length
  }

  /** Remove every pod and container: after a failed test, so the next one starts clean. */
  async clear(): Promise<void> {
    const pods = (await this.ok('pod', 'ls', '--format', '{{.Name}}').catch(() => '')).split('\n').filter(Boolean)
    if (pods.length > 0) await this.mr('pod', 'rm', '-f', ...pods)
    const ids = (await this.ok('ps', '-aq').catch(() => '')).split('\n').filter(Boolean)
    if (ids.length > 0) await this.mr('rm', '-f', ...ids)
  }

  /** SIGKILL every process this host's namespaces hold (its containers, monitors, helpers): a host that dies. */
  killAll(): number[] {
    const pids = processesIn(this.pid, this.dir)
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    return pids
  }

  /** Remove every container, then end every process this host's namespaces still hold, by PID. */
  async close(): Promise<void> {
    await this.clear().catch(() => {})
    this.killAll()
    this.holder.kill('SIGKILL')
    await this.holder.catch(() => {})
    fs.rmSync(this.dir, {recursive: true, force: true})
  }
}

/** All processes, with their parent and command line. */
function processTable(): Array<{pid: number; ppid: number; cmd: string}> {
  const out: Array<{pid: number; ppid: number; cmd: string}> = []
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      out.push({pid: Number(d), ppid, cmd: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ')})
    } catch {}
  }
  return out
}

/** dnsmasq processes running a container's forwarder configuration under `runtime`, whatever their namespace. */
export function forwardersOf(runtime: string): number[] {
  return processTable()
    .filter((p) => p.cmd.includes(`--conf-file=${path.join(runtime, 'dns-forwarders')}/`))
    .filter((p) => {
      try {
        return fs.readlinkSync(`/proc/${p.pid}/exe`) === '/usr/sbin/dnsmasq'
      } catch {
        return false
      }
    })
    .map((p) => p.pid)
}

/** dnsmasq processes in the holder's network namespace (a test's own upstream lives in a peer's). */
export function dnsmasqsIn(holder: number): number[] {
  const net = (pid: number | string) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/net`)
    } catch {
      return ''
    }
  }
  const mine = net(holder)
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && net(d) === mine)
    .filter((d) => {
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z' && fs.readlinkSync(`/proc/${d}/exe`) === '/usr/sbin/dnsmasq'
      } catch {
        return false
      }
    })
    .map(Number)
}

/**
 * PIDs living in the holder's mount or network namespace, containers whose root is in this
 * host's store (an interrupted launch can leave one re-parented away), and all their descendants.
 */
function processesIn(holder: number, dir: string): number[] {
  const ns = (pid: number, kind: string) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/${kind}`)
    } catch {
      return ''
    }
  }
  const mnt = ns(holder, 'mnt')
  const net = ns(holder, 'net')
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
  const parent = new Map<number, number>()
  for (const p of all) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8')
      parent.set(p, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {}
  }
  const rootInStore = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n', 1)[0].includes(dir)
    } catch {
      return false
    }
  }
  const inside = new Set(all.filter((p) => p !== holder && p !== process.pid && (ns(p, 'mnt') === mnt || ns(p, 'net') === net || rootInStore(p))))
  let grew = true
  while (grew) {
    grew = false
    for (const [p, pp] of parent) if (!inside.has(p) && inside.has(pp)) (inside.add(p), (grew = true))
  }
  return [...inside]
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Compile test/fixtures/NAME.c statically into a fresh dir of `host` (a probe a container runs from a volume). */
export async function compileFixtures(host: TestHost, names: string[]): Promise<string> {
  const {execa: run} = await import('execa')
  const dir = fs.mkdtempSync(path.join(host.dir, 'tools-'))
  fs.chmodSync(dir, 0o755)
  const fixtures = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url))
  for (const name of names) {
    const cc = await run('gcc', ['-static', '-O1', '-o', path.join(dir, name), path.join(fixtures, `${name}.c`)], {reject: false})
    if (cc.exitCode !== 0) throw new Error(`gcc ${name}: ${cc.stderr}`)
  }
  return dir
}
