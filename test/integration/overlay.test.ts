import test from 'ava'
import fs from 'node:fs'
import {Cluster, ETCD} from '../helpers/cluster.js'
import {BIN, sleep, type TestHost} from '../helpers/host.js'

// Issue 17: an overlay network across three "machines" (three test hosts on one underlay bridge)
// coordinated through a real etcd in a fourth namespace. Real VXLAN, real busybox clients.

// short, for the failure test; not shorter: on a 2-core machine at load ~25 an agent can go a few
// seconds without renewing, and then its host is rightly taken for dead
const TTL = 8
let cluster: Cluster
let h1: TestHost, h2: TestHost, h3: TestHost

test.before(async () => {
  cluster = await Cluster.create('overlay', 3, {MINIRUN_OVERLAY_TTL: String(TTL)})
  ;[h1, h2, h3] = cluster.hosts
})
test.after.always(async () => {
  await cluster?.close()
})

const inspect = async (h: TestHost, net: string) => JSON.parse(await h.ok('network', 'inspect', net))[0]
const peers = async (h: TestHost, net: string) => ((await inspect(h, net)).Peers as Array<{Name: string; IP: string}>).map((p) => `${p.Name}=${p.IP}`).sort()
const ipOf = async (h: TestHost, name: string, net = 'ov') => JSON.parse(await h.ok('inspect', name))[0].NetworkSettings.Networks[net].IPAddress as string
const gatewayOf = async (h: TestHost, net = 'ov') => (await inspect(h, net)).IPAM.Config[0].Gateway as string
/** What busybox nslookup in container `from` on host `h` answers for `name` (the server's own line left out). */
const lookup = async (h: TestHost, from: string, name: string, server?: string) => {
  const r = await h.mr('exec', from, 'nslookup', name, ...(server ? [server] : []))
  return [...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]).filter((a) => !a.endsWith(':53'))
}

/** alive and not a zombie (a detached helper's parent is init, which may reap it late) */
const running = (pid: number) => {
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms
  let v = await probe()
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`)
    await sleep(250)
    v = await probe()
  }
  return v
}

test.serial('network create -d overlay on host 1 is seen by hosts 2 and 3; a bad VNI and a clash are refused', async (t) => {
  const id = await h1.ok('network', 'create', '-d', 'overlay', '--subnet', '10.50.0.0/16', 'ov')
  t.regex(id, /^[0-9a-f]{64}$/)
  for (const h of [h2, h3]) {
    t.regex(await h.ok('network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Subnet}}'), /^ov overlay global 10\.50\.0\.0\/16$/m)
    const v = await inspect(h, 'ov')
    t.is(v.Id, id)
    t.deepEqual(v.Peers, [])
  }
  // the store from the flag instead of the environment; without either, a host sees no overlay
  const ls = (...flags: string[]) => h2.exec([process.execPath, BIN, 'network', 'ls', ...flags, '--format', '{{.Name}} {{.Scope}}'], {env: {MINIRUN_CLUSTER_STORE: ''}})
  t.regex((await ls('--cluster-store', `etcd://${ETCD}`)).stdout, /^ov global$/m)
  t.notRegex((await ls()).stdout, /^ov /m)
  const again = await h2.mr('network', 'create', '-d', 'overlay', '--subnet', '10.60.0.0/16', 'ov')
  t.not(again.exitCode, 0)
  t.regex(again.stderr, /^Error: network with name ov already exists in the cluster/)
  const vni = await h2.mr('network', 'create', '-d', 'overlay', '--opt', 'vni=99999999', 'ov9')
  t.regex(vni.stderr, /^Error: invalid --opt vni/)
  const overlap = await h3.mr('network', 'create', '-d', 'overlay', '--subnet', '10.50.128.0/17', 'ov9')
  t.regex(overlap.stderr, /^Error: subnet 10\.50\.128\.0\/17 overlaps overlay network ov/)
})

test.serial('a container on host 1 fetches a page by name from a container on host 3, across the VXLAN tunnel', async (t) => {
  await h3.ok('run', '-d', '--name', 'web', '--network', 'ov', '-p', '28080:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  await h1.ok('run', '-d', '--name', 'c1', '--network', 'ov', 'busybox', 'sleep', '600')
  const webIp = await ipOf(h3, 'web')
  t.regex(webIp, /^10\.50\.\d+\.\d+$/)
  // the kernel's picture: a VXLAN device on the overlay's bridge, MTU 1450 inside the container
  const vx = JSON.parse((await h3.sh('ip -d -j link show type vxlan')).stdout)
  t.is(vx.length, 1)
  t.is(vx[0].linkinfo.info_data.id, (await inspect(h3, 'ov')).Options.vni * 1)
  t.is(vx[0].linkinfo.info_data.port, 8472)
  t.is(vx[0].linkinfo.info_data.local, cluster.addr(3))
  t.is(vx[0].mtu, 1450)
  t.regex(await h1.ok('exec', 'c1', 'ip', '-o', 'link', 'show', 'eth0'), /mtu 1450/)
  t.regex(await h1.ok('exec', 'c1', 'wget', '-qO-', `http://${webIp}/`), /minirun/i)
  // names by DNS: c1 asks the overlay's resolver on its own host (its bridge's gateway), which
  // knows web on host 3 from etcd; /etc/hosts holds only c1's own names
  const gw1 = await gatewayOf(h1)
  t.not(gw1, await gatewayOf(h3), 'each host has its own gateway, in its own block')
  t.regex(await h1.ok('exec', 'c1', 'cat', '/etc/resolv.conf'), new RegExp(`^nameserver ${gw1.replace(/\./g, '\\.')}\nsearch ov\.dns\.minirun\n`))
  t.deepEqual(await lookup(h1, 'c1', 'web'), [webIp])
  t.notRegex(await h1.ok('exec', 'c1', 'cat', '/etc/hosts'), /\sweb(\s|$)/m)
  t.regex(await h1.ok('exec', 'c1', 'wget', '-qO-', 'http://web/'), /minirun/i)
  // a new container on host 1 resolves web at once, and host 3's web finds c1 by name (its agent wrote it)
  t.regex(await h1.ok('run', '--rm', '--network', 'ov', 'busybox', 'wget', '-qO-', 'http://web/'), /minirun/i)
  // -p publishes on the container's own host: the wire's namespace reaches it at host 3's underlay address
  t.regex((await cluster.wire.sh(`curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://${cluster.addr(3)}:28080/`)).stdout, /minirun/i)
  // the outside (here: etcd's health page on the underlay) through the container's own host, masqueraded
  t.regex(await h1.ok('exec', 'c1', 'wget', '-qO-', 'http://192.168.250.2:2379/health'), /"health":\s*"true"/)
  // the diagram draws the tunnel to the other peer host
  const diagram = (await h1.ok('network', 'diagram', 'ov')).replace(/\n[│ ]+(?=hosts)/g, ' ') // unwrap
  t.regex(diagram, new RegExp(`vxlan mrv-\\S+ VNI \\d+, local ${cluster.addr(1)} ══ UDP 8472 ══ peer hosts ${cluster.addr(3)}`))
  const c1Ip = await ipOf(h1, 'c1')
  await until('c1 in host 3\'s resolver', () => lookup(h3, 'web', 'c1'), (a) => a.includes(c1Ip), 5000)
  t.regex(await h3.ok('exec', 'web', 'ping', '-c1', '-W', '3', 'c1'), /1 packets received/)
  // the DNS isolation rule holds for overlays: a container of another network on host 1 may not ask ov's resolver
  await h1.ok('network', 'create', 'lan1')
  const r = await h1.mr('run', '--rm', '--network', 'lan1', 'busybox', 'nslookup', 'web', gw1)
  t.not(r.exitCode, 0)
  t.regex(r.stdout + r.stderr, /timed out|no servers could be reached/)
  await h1.ok('network', 'rm', 'lan1')
})

test.serial('network inspect on host 2 lists the peers and every host\'s containers', async (t) => {
  t.deepEqual(await peers(h2, 'ov'), [`host1=${cluster.addr(1)}`, `host3=${cluster.addr(3)}`])
  const v = await inspect(h2, 'ov')
  const byName = Object.fromEntries(Object.values(v.Containers as Record<string, {Name: string; Host: string; IPv4Address: string}>).map((c) => [c.Name, c]))
  t.is(byName.web.Host, 'host3')
  t.is(byName.c1.Host, 'host1')
  t.is(byName.web.IPv4Address, `${await ipOf(h3, 'web')}/16`)
  // each host holds its own block; its bridge has the block's .1, and no container gets the block's first address
  const blocks = await cluster.keys('/minirun/blocks/ov/')
  t.is(blocks.length, 2)
  for (const b of blocks) t.false([await ipOf(h3, 'web'), await ipOf(h1, 'c1')].includes(b.split('/').pop()!))
})

test.serial('30 parallel runs spread over the three hosts get 30 distinct addresses', async (t) => {
  const hosts = [h1, h2, h3]
  const ids = await Promise.all(Array.from({length: 30}, (_, i) => hosts[i % 3].ok('run', '-d', '--network', 'ov', 'busybox', 'sleep', '600')))
  const ips = await Promise.all(ids.map(async (id, i) => ipOf(hosts[i % 3], id)))
  t.true(ips.every((ip) => /^10\.50\.\d+\.\d+$/.test(ip)), ips.join(' '))
  t.false(ips.some((ip) => ip.endsWith('.0')), 'a block\'s first address is not handed out')
  t.is(new Set(ips).size, 30)
  // one block per host: a host's containers share it, no two hosts do
  const blockOf = (ip: string) => ip.split('.').slice(0, 3).join('.')
  for (let h = 0; h < 3; h++) t.is(new Set(ips.filter((_, i) => i % 3 === h).map(blockOf)).size, 1)
  t.is(new Set(ips.map(blockOf)).size, 3)
  // every one of them is in etcd, and c1 on host 1 reaches one of host 2's
  // (if a host's lease lapsed meanwhile, its agent puts its endpoints back under a new one)
  await until('every endpoint in etcd', async () => (await cluster.keys('/minirun/endpoints/ov/')).length, (n) => n === 30 + 2, TTL * 1000)
  t.regex(await h1.ok('exec', 'c1', 'ping', '-c1', '-W', '3', ips[1]), /1 packets received/)
  for (let h = 0; h < 3; h++) await hosts[h].ok('rm', '-f', ...ids.filter((_, i) => i % 3 === h))
  t.is((await cluster.keys('/minirun/endpoints/ov/')).length, 2)
})

test.serial('host 2 dies (SIGKILL of its containers and agent): within the lease TTL the others drop it; it prunes and rejoins', async (t) => {
  await h2.ok('run', '-d', '--name', 'c2', '--network', 'ov', 'busybox', 'sleep', '600')
  t.deepEqual(await peers(h1, 'ov'), [`host1=${cluster.addr(1)}`, `host2=${cluster.addr(2)}`, `host3=${cluster.addr(3)}`])
  const vx1 = JSON.parse((await h1.sh('ip -j link show type vxlan')).stdout)[0].ifname as string
  const flood = async () => (await h1.sh(`bridge fdb show dev ${vx1} | grep ^00:00:00:00:00:00 | awk '{print $3}' | sort`)).stdout.trim().split('\n')
  t.deepEqual(await until('host 1 floods to host 2', flood, (f) => f.includes(cluster.addr(2)), 5000), [cluster.addr(2), cluster.addr(3)])
  const c2Ip = await ipOf(h2, 'c2')
  t.regex(await h1.ok('exec', 'c1', 'ping', '-c1', '-W', '3', c2Ip), /1 packets received/)
  for (const [h, c] of [[h1, 'c1'], [h3, 'web']] as const) await until(`c2 in ${c}'s resolver`, () => lookup(h, c, 'c2'), (a) => a.includes(c2Ip), 5000)

  t.true(h2.killAll().length > 0)
  await until('host 2 gone from the peers on host 1', () => peers(h1, 'ov'), (p) => p.length === 2, TTL * 3000)
  t.deepEqual(await peers(h3, 'ov'), [`host1=${cluster.addr(1)}`, `host3=${cluster.addr(3)}`])
  t.false(Object.values((await inspect(h1, 'ov')).Containers as Record<string, {Host: string}>).some((c) => c.Host === 'host2'))
  t.deepEqual(await until('host 1 stops flooding to host 2', flood, (f) => !f.includes(cluster.addr(2)), 5000), [cluster.addr(3)])
  // its names went with its lease: the other hosts' resolvers no longer know them
  for (const [h, c] of [[h1, 'c1'], [h3, 'web']] as const) await until(`c2 gone from ${c}'s resolver`, () => lookup(h, c, 'c2'), (a) => a.length === 0, 5000)

  const prune = await h2.ok('system', 'prune', '-f')
  t.regex(prune, /overlay ov: this host left it|container/)
  t.deepEqual(await h2.leaks(), [])
  await h2.ok('run', '-d', '--name', 'c2b', '--network', 'ov', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  t.is((await peers(h1, 'ov')).length, 3)
  const c2bIp = await ipOf(h2, 'c2b')
  await until('c2b in c1\'s resolver', () => lookup(h1, 'c1', 'c2b'), (a) => a.includes(c2bIp), 5000)
  t.regex(await h1.ok('exec', 'c1', 'wget', '-qO-', 'http://c2b/'), /minirun/i)
})

test.serial('network connect puts a running bridge container on the overlay too; disconnect takes it off', async (t) => {
  await h2.ok('run', '-d', '--name', 'b2', 'busybox', 'sleep', '600')
  await h2.ok('network', 'connect', 'ov', 'b2')
  const ip = await ipOf(h2, 'b2')
  t.regex(await h2.ok('exec', 'b2', 'ip', '-o', '-4', 'addr', 'show', 'eth1'), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/16`))
  t.regex(await h2.ok('exec', 'b2', 'wget', '-qO-', 'http://web/'), /minirun/i)
  await until('b2 in the cluster', async () => Object.values((await inspect(h1, 'ov')).Containers as Record<string, {Name: string}>).map((c) => c.Name), (n) => n.includes('b2'), 5000)
  await h2.ok('network', 'disconnect', 'ov', 'b2')
  t.false(Object.values((await inspect(h1, 'ov')).Containers as Record<string, {Name: string}>).some((c) => c.Name === 'b2'))
  await h2.ok('rm', '-f', 'b2')
})

test.serial('the last container out: the host leaves (no tunnel, bridge, agent or keys left); network rm is cluster-wide', async (t) => {
  const agentOf = async (h: TestHost) => Number((await h.sh('cut -d" " -f1 $MINIRUN_RUNTIME_DIR/overlay/agent.pid')).stdout.trim())
  const agents = await Promise.all([h1, h2, h3].map(agentOf))
  t.true(agents.every((pid) => pid > 0 && running(pid)))
  await h2.ok('rm', '-f', 'c2b')
  t.false(running(agents[1]), 'host 2 has no overlay container left: its agent is gone')
  t.deepEqual(await peers(h1, 'ov'), [`host1=${cluster.addr(1)}`, `host3=${cluster.addr(3)}`])
  const busy = await h2.mr('network', 'rm', 'ov')
  t.regex(busy.stderr, /^Error: network ov has active endpoints \((c1 on host1, web on host3|web on host3, c1 on host1)\)/)
  await h1.ok('rm', '-f', 'c1')
  await h3.ok('rm', '-f', 'web')
  for (const h of [h1, h2, h3]) t.deepEqual(await h.leaks(), [])
  t.false(agents.some(running))
  t.deepEqual(await cluster.keys('/minirun/hosts/'), [])
  t.deepEqual(await cluster.keys('/minirun/endpoints/'), [])
  t.deepEqual(await cluster.keys('/minirun/blocks/'), [])
  await h2.ok('network', 'rm', 'ov')
  t.notRegex(await h3.ok('network', 'ls'), /\bov\b/)
  t.deepEqual(await cluster.keys('/minirun/'), [])
})

test.serial('etcd stopped: network create -d overlay fails with one clear line; a bridge container still runs', async (t) => {
  cluster.stopEtcd()
  const r = await h1.mr('network', 'create', '-d', 'overlay', '--subnet', '10.70.0.0/16', 'ov2')
  t.not(r.exitCode, 0)
  t.regex(r.stderr, /^Error: cannot reach the cluster store etcd:\/\/192\.168\.250\.2:2379 \(.*\); start etcd or fix MINIRUN_CLUSTER_STORE/)
  t.is(r.stderr.trim().split('\n').length, 1)
  t.regex(await h1.ok('run', '--rm', 'busybox', 'echo', 'bridge ok'), /bridge ok/)
  const ls = await h1.mr('network', 'ls', '--format', '{{.Name}}')
  t.is(ls.exitCode, 0)
  t.regex(ls.stdout, /^bridge$/m)
  t.regex(ls.stderr, /^WARNING: overlay networks not listed: cannot reach the cluster store/)
  const run = await h1.mr('run', '--rm', '--network', 'ov2', 'busybox', 'true')
  t.regex(run.stderr, /^Error: cannot reach the cluster store/)
  t.deepEqual(await h1.leaks(), [])
})
