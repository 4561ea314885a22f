import fs from 'node:fs'
import path from 'node:path'
import {TestHost, sleep} from './host.js'

// Several "machines" on one underlay, for overlay tests: N test hosts (each its own network +
// mount namespace and minirun root) and one more namespace holding the underlay bridge and a
// real etcd. The underlay is 192.168.250.0/24, inside those namespaces only; etcd listens on
// 192.168.250.2:2379 there. Host i is 192.168.250.(10+i) on its `lan0`.

export const UNDERLAY = '192.168.250'
export const ETCD = `${UNDERLAY}.2:2379`

export class Cluster {
  private dataDir?: string
  private constructor(
    readonly wire: TestHost,
    readonly hosts: TestHost[],
    public etcdPid: number,
  ) {}

  static async create(label: string, n: number, env: Record<string, string> = {}): Promise<Cluster> {
    const wire = await TestHost.create(`${label}-wire`)
    const hosts: TestHost[] = []
    const c = new Cluster(wire, hosts, 0)
    try {
      const r = await wire.sh(`ip link add lanbr type bridge && ip addr add ${UNDERLAY}.2/24 dev lanbr && ip link set lanbr up`)
      if (r.exitCode !== 0) throw new Error(`underlay bridge: ${r.stderr}`)
      for (let i = 1; i <= n; i++) {
        const h = await TestHost.create(`${label}-h${i}`)
        hosts.push(h)
        const w = await wire.sh(`ip link add lanh${i} type veth peer name lan0 netns /proc/${h.pid}/ns/net && ip link set lanh${i} master lanbr && ip link set lanh${i} up`)
        if (w.exitCode !== 0) throw new Error(`underlay link of host ${i}: ${w.stderr}`)
        await h.sh(`ip addr add ${UNDERLAY}.${10 + i}/24 dev lan0 && ip link set lan0 up`)
        h.extraEnv = {MINIRUN_CLUSTER_STORE: `etcd://${ETCD}`, MINIRUN_HOST_NAME: `host${i}`, ...env}
      }
      await c.startEtcd()
      return c
    } catch (error) {
      await c.close()
      throw error
    }
  }

  addr(i: number): string {
    return `${UNDERLAY}.${10 + i}`
  }

  async startEtcd(): Promise<void> {
    // in memory (/dev/shm): etcd fsyncs every write, and on a loaded CI machine that alone can
    // take seconds; a test's etcd needs no durability
    this.dataDir ??= fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : this.wire.dir, 'mr-test-etcd-'))
    const data = path.join(this.dataDir, 'data')
    const logFile = path.join(this.dataDir, 'etcd.log')
    const url = `http://${ETCD}`
    const r = await this.wire.sh(
      `etcd --name t --data-dir ${data} --listen-client-urls ${url} --advertise-client-urls ${url} --listen-peer-urls http://127.0.0.1:2380 ` +
        `--initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster t=http://127.0.0.1:2380 >>${logFile} 2>&1 & echo $!`,
    )
    this.etcdPid = Number(r.stdout.trim())
    for (let i = 0; i < 100; i++) {
      if ((await this.wire.sh(`curl -s --max-time 1 ${url}/health`)).stdout.includes('true')) return
      await sleep(100)
    }
    throw new Error(`etcd did not start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`)
  }

  stopEtcd(): void {
    if (this.etcdPid > 0) {
      try {
        process.kill(this.etcdPid, 'SIGKILL')
      } catch {}
    }
    this.etcdPid = 0
  }

  /** etcd's keys under `prefix`, read with etcdctl inside the underlay namespace. */
  async keys(prefix: string): Promise<string[]> {
    const r = await this.wire.exec(['etcdctl', `--endpoints=http://${ETCD}`, 'get', '--prefix', '--keys-only', prefix], {env: {ETCDCTL_API: '3'}})
    return r.stdout.split('\n').filter(Boolean)
  }

  async close(): Promise<void> {
    for (const h of this.hosts) await h.close().catch(() => {})
    this.stopEtcd()
    await this.wire.close()
    if (this.dataDir) fs.rmSync(this.dataDir, {recursive: true, force: true})
  }
}
