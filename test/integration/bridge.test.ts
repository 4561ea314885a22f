import test from 'ava'
import {TestHost} from '../helpers/host.js'

// Issue 3: the default bridge, veth pairs, IPAM, NAT and -p publishing, user-defined bridges
// with name resolution — checked with real clients (curl, busybox wget/ping) and the kernel's
// own `ip` and `nft` output, inside a disposable host namespace.

let host: TestHost
let client = 0
const HOST_ADDR = '198.51.100.1'
const CLIENT_ADDR = '198.51.100.2'

test.before(async () => {
  host = await TestHost.create('bridge')
  // An "outside" client: its own netns, wired to the test host by a veth pair on 198.51.100.0/24.
  client = await host.peer({hostIf: 'tstOut', peerIf: 'tstCli', hostAddr: `${HOST_ADDR}/24`, peerAddr: `${CLIENT_ADDR}/24`})
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const curl = (url: string) => host.sh(`curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 ${url}`)
const ipOf = async (name: string) => JSON.parse(await host.ok('inspect', name))[0].NetworkSettings.IPAddress as string

test.serial('two httpd containers on the default bridge reach each other, the host reaches both', async (t) => {
  await host.ok('run', '-d', '--name', 'ca', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  await host.ok('run', '-d', '--name', 'cb', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const [ipA, ipB] = [await ipOf('ca'), await ipOf('cb')]
  t.regex(ipA, /^172\.17\.0\.\d+$/)
  t.not(ipA, ipB)
  t.regex(await host.ok('exec', 'ca', 'wget', '-qO-', `http://${ipB}/`), /minirun/i)
  t.regex(await host.ok('exec', 'cb', 'wget', '-qO-', `http://${ipA}/`), /minirun/i)
  t.regex((await curl(`http://${ipA}/`)).stdout, /minirun/i)
  t.regex((await curl(`http://${ipB}/`)).stdout, /minirun/i)
  const [a] = JSON.parse(await host.ok('inspect', 'ca'))
  t.is(a.NetworkSettings.Gateway, '172.17.0.1')
  t.is(a.NetworkSettings.IPPrefixLen, 16)
  t.is(a.NetworkSettings.MacAddress, '02:42:' + ipA.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':'))
  t.is(a.NetworkSettings.Networks.bridge.IPAddress, ipA)
  t.is(a.HostConfig.NetworkMode, 'bridge')
})

test.serial('the textbook picture: eth0@ifN is the peer of a veth on the bridge; default route via the gateway', async (t) => {
  const inside = await host.ok('exec', 'ca', 'ip', '-o', 'link', 'show', 'eth0')
  const m = /^(\d+): eth0@if(\d+):/.exec(inside)
  t.truthy(m, inside)
  const [ctrIndex, hostIndex] = [Number(m![1]), Number(m![2])]
  const links = JSON.parse((await host.sh('ip -d -j link show')).stdout) as Array<{ifindex: number; ifname: string; link_index?: number; master?: string; linkinfo?: {info_kind?: string}}>
  const veth = links.find((l) => l.ifindex === hostIndex)!
  t.truthy(veth)
  t.is(veth.linkinfo?.info_kind, 'veth')
  t.is(veth.master, await host.bridgeOf('bridge'))
  t.is(veth.link_index, ctrIndex)
  t.regex(await host.ok('exec', 'ca', 'ip', 'route'), /^default via 172\.17\.0\.1 dev eth0/m)
  const hosts = await host.ok('exec', 'ca', 'cat', '/etc/hosts')
  t.regex(hosts, new RegExp(`^${(await ipOf('ca')).replace(/\./g, '\\.')}\\s+\\S*${JSON.parse(await host.ok('inspect', 'ca'))[0].Config.Hostname}`, 'm'))
  t.is(await host.ok('exec', 'ca', 'hostname', '-i'), await ipOf('ca'))
  await host.ok('rm', '-f', 'ca', 'cb')
})

test.serial('-p publishes by DNAT: 127.0.0.1, a host address, an outside netns, and hairpin from a container', async (t) => {
  await host.ok('run', '-d', '--name', 'pub', '-p', '18080:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  await host.ok('run', '-d', '--name', 'other', 'busybox', 'sleep', '600')
  t.regex((await curl('http://127.0.0.1:18080/')).stdout, /minirun/i)
  t.regex((await curl(`http://${HOST_ADDR}:18080/`)).stdout, /minirun/i)
  const outside = await host.exec(['nsenter', '-t', String(client), '-n', 'curl', '-s', '--max-time', '5', '--retry', '10', '--retry-connrefused', '--retry-delay', '1', `http://${HOST_ADDR}:18080/`])
  t.regex(outside.stdout, /minirun/i, outside.stderr)
  t.regex(await host.ok('exec', 'other', 'wget', '-qO-', `http://${HOST_ADDR}:18080/`), /minirun/i, 'another container through the host address')
  t.regex(await host.ok('exec', 'pub', 'wget', '-qO-', `http://${HOST_ADDR}:18080/`), /minirun/i, 'the container itself through the host address')
  const ruleset = (await host.sh('nft list ruleset')).stdout
  const pubIp = await ipOf('pub')
  t.regex(ruleset, new RegExp(`18080[^\\n]*: ${pubIp.replace(/\./g, '\\.')} \\. 80`), 'the DNAT map holds the entry')
  t.regex(ruleset, /ip saddr 172\.17\.0\.0\/16 oifname != "[^"]+" masquerade/)
  t.is((ruleset.match(/dnat ip to/g) ?? []).length <= 8, true, 'a fixed number of rules, not one per port')
  t.is(await host.ok('port', 'pub'), '80/tcp -> 0.0.0.0:18080')
  const [pub] = JSON.parse(await host.ok('inspect', 'pub'))
  t.deepEqual(pub.NetworkSettings.Ports, {'80/tcp': [{HostIp: '0.0.0.0', HostPort: '18080'}]})
  await host.ok('rm', '-f', 'pub', 'other')
  t.notRegex((await host.sh('nft list ruleset')).stdout, /18080/, 'removing the container removes the entry')
})

test.serial('a taken host port is refused: by another container, and by a host process', async (t) => {
  await host.ok('run', '-d', '--name', 'p1', '-p', '18081:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const again = await host.mr('run', '-d', '--name', 'p2', '-p', '18081:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  t.not(again.exitCode, 0)
  t.regex(again.stderr, /^Error: host port 0\.0\.0\.0:18081\/tcp is already published by container p1/)
  const listener = Number((await host.sh('busybox nc -l -p 18082 >/dev/null 2>&1 & echo $!')).stdout.trim())
  t.teardown(() => host.sh(`kill ${listener} 2>/dev/null`))
  await new Promise((r) => setTimeout(r, 200))
  const held = await host.mr('run', '-d', '--name', 'p3', '-p', '18082:80', 'busybox', 'true')
  t.regex(held.stderr, /^Error: host port 0\.0\.0\.0:18082\/tcp is already in use by a process on the host/)
  t.notRegex(await host.ok('ps', '-a'), /p2|p3/, 'nothing half-made')
  await host.ok('rm', '-f', 'p1')
})

test.serial('-P publishes the exposed ports on free host ports; -p CTR picks one too', async (t) => {
  await host.ok('run', '-d', '--name', 'rand', '-p', '80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const line = await host.ok('port', 'rand')
  const m = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(line)
  t.truthy(m, line)
  t.regex((await curl(`http://127.0.0.1:${m![1]}/`)).stdout, /minirun/i)
  await host.ok('rm', '-f', 'rand')
})

test.serial('user-defined bridge: names resolve both ways; the default bridge has no names; connect adds eth1', async (t) => {
  await host.ok('network', 'create', 'my_bridge')
  await host.ok('run', '-d', '--name', 'c1', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'n1', '--network', 'my_bridge', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'n2', '--network', 'my_bridge', 'busybox', 'sleep', '600')
  t.regex(await host.ok('exec', 'n1', 'ping', '-c1', '-W2', 'n2'), /1 packets received/)
  t.regex(await host.ok('exec', 'n2', 'ping', '-c1', '-W2', 'n1'), /1 packets received/)
  const noName = await host.mr('exec', 'c1', 'ping', '-c1', '-W1', 'ca')
  t.not(noName.exitCode, 0)
  t.regex(noName.stderr + noName.stdout, /bad address 'ca'/, 'on the default bridge names do not resolve, as in Docker')
  // a container started later resolves too, a removed one stops resolving
  await host.ok('run', '-d', '--name', 'n3', '--network', 'my_bridge', 'busybox', 'sleep', '600')
  t.regex(await host.ok('exec', 'n1', 'ping', '-c1', '-W2', 'n3'), /1 packets received/)
  await host.ok('rm', '-f', 'n3')
  t.regex((await host.mr('exec', 'n1', 'ping', '-c1', '-W1', 'n3')).stderr, /bad address 'n3'/)
  // connect: c1 gets eth1 on my_bridge and can use the names there
  await host.ok('network', 'connect', 'my_bridge', 'c1')
  t.regex(await host.ok('exec', 'c1', 'ip', '-o', 'addr', 'show', 'eth1'), /inet 172\.\d+\.0\.\d+/)
  t.regex(await host.ok('exec', 'c1', 'ping', '-c1', '-W2', 'n1'), /1 packets received/)
  t.regex(await host.ok('exec', 'n1', 'ping', '-c1', '-W2', 'c1'), /1 packets received/)
  const [net] = JSON.parse(await host.ok('network', 'inspect', 'my_bridge'))
  t.is(Object.keys(net.Containers).length, 3)
  const busy = await host.mr('network', 'rm', 'my_bridge')
  t.regex(busy.stderr, /^Error: network my_bridge has active endpoints/)
  await host.ok('network', 'disconnect', 'my_bridge', 'c1')
  t.not((await host.mr('exec', 'c1', 'ip', 'link', 'show', 'eth1')).exitCode, 0)
  await host.ok('rm', '-f', 'c1', 'n1', 'n2')
  await host.ok('network', 'rm', 'my_bridge')
})

test.serial('40 containers started in parallel get 40 distinct addresses; removing them leaves nothing', async (t) => {
  const names = Array.from({length: 40}, (_, i) => `par${i}`)
  const results = await Promise.all(names.map((n) => host.mr('run', '-d', '--name', n, 'busybox', 'sleep', '600')))
  t.deepEqual(results.filter((r) => r.exitCode !== 0).map((r) => r.stderr), [])
  const ips = await Promise.all(names.map(ipOf))
  t.is(new Set(ips).size, 40)
  const rm = await Promise.all(names.map((n) => host.mr('rm', '-f', n)))
  t.deepEqual(rm.filter((r) => r.exitCode !== 0).map((r) => r.stderr), [])
})

const bad: Array<[string, string[], RegExp]> = [
  ['port out of range', ['run', '-d', '-p', '99999:80', 'busybox', 'true'], /99999/],
  ['port not a number', ['run', '-d', '-p', 'abc', 'busybox', 'true'], /"abc"/],
  ['one host port twice', ['run', '-d', '-p', '18090:80', '-p', '18090:81', 'busybox', 'true'], /18090/],
  ['bad prefix', ['network', 'create', '--subnet', '10.1.2.3/33', 'n33'], /10\.1\.2\.3\/33/],
  ['--ip outside the subnet', ['run', '-d', '--ip', '10.99.0.5', 'busybox', 'true'], /10\.99\.0\.5/],
  ['network rm bridge', ['network', 'rm', 'bridge'], /pre-defined network/],
  ['-p with an address the host does not have', ['run', '-d', '-p', '203.0.113.9:18095:80', 'busybox', 'true'], /host address 203\.0\.113\.9 is not an address of this host/],
  ['gateway outside subnet', ['network', 'create', '--subnet', '10.20.0.0/24', '--gateway', '10.21.0.1', 'gw'], /gateway 10\.21\.0\.1 is not in subnet/],
]
for (const [title, args, msg] of bad) {
  test.serial(`bad input: ${title}`, async (t) => {
    const r = await host.mr(...args)
    t.not(r.exitCode, 0)
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    t.regex(r.stderr, /^Error: /)
    t.regex(r.stderr, msg)
  })
}

test.serial('a subnet overlapping an existing network or a host route is refused', async (t) => {
  await host.ok('network', 'create', '--subnet', '10.30.0.0/24', 'first')
  const overlap = await host.mr('network', 'create', '--subnet', '10.30.0.128/25', 'second')
  t.regex(overlap.stderr, /^Error: subnet 10\.30\.0\.128\/25 overlaps network first/)
  const route = await host.mr('network', 'create', '--subnet', '198.51.100.0/25', 'third')
  t.regex(route.stderr, /^Error: subnet 198\.51\.100\.0\/25 overlaps the host route 198\.51\.100\.0\/24/)
  // a name whose DNS zone another network answers (first → first.dns.minirun) is refused too
  const zone = await host.mr('network', 'create', 'First')
  t.is(zone.stderr, "Error: network First would answer names under first.dns.minirun, which meets network first's first.dns.minirun; choose another name\n")
  // and a zone inside it: web.first's would hold the full name of container web on first
  t.regex((await host.mr('network', 'create', 'web.first')).stderr, /^Error: network web\.first would answer names under web\.first\.dns\.minirun, which meets network first's/)
  await host.ok('network', 'rm', 'first')
  await host.ok('network', 'create', 'First') // the control: free once first is gone
  await host.ok('network', 'rm', 'First')
})

test.serial('the default bridge stays after its last container (as docker0 does); system prune removes it with the table', async (t) => {
  await host.ok('run', '--rm', 'busybox', 'true')
  const br = JSON.parse(await host.ok('network', 'inspect', 'bridge'))[0].Options?.['com.docker.network.bridge.name'] as string | undefined
  const kept = (await host.sh('ip -o link show type bridge')).stdout
  t.regex(kept, /: mr\w+0: /, 'the bridge is still up')
  if (br) t.true(kept.includes(br))
  // the pair goes with the container's namespace, which the kernel frees asynchronously
  const veths = async () => (await host.sh('ip -o link show type veth')).stdout
  for (let i = 0; i < 50 && /mr[0-9a-f]{11}0/.test(await veths()); i++) await new Promise((r) => setTimeout(r, 20))
  t.notRegex(await veths(), /mr[0-9a-f]{11}0/, 'the veth went with its container')
  t.regex((await host.sh('nft list tables')).stdout, /minirun/)
  await host.ok('system', 'prune', '-f')
  t.is((await host.sh('ip -o link show type bridge')).stdout.trim(), '', 'prune removed the bridge')
  t.notRegex((await host.sh('nft list tables')).stdout, /minirun/, 'and the table')
  await host.ok('run', '--rm', 'busybox', 'true') // and the next run makes them again
  t.deepEqual(await host.leaks(), [])
})

test.serial('a kept bridge is checked without ip and nft, yet a table or bridge removed behind its back is made again', async (t) => {
  await host.ok('run', '--rm', 'busybox', 'true')
  const br = await host.bridgeOf('bridge')
  const table = (await host.sh('nft list tables')).stdout.match(/table ip (minirun\w+)/)![1]
  const published = async () => {
    await host.ok('run', '-d', '--name', 'kept1', '-p', '18620:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc')
    const r = await curl('http://127.0.0.1:18620/hostname')
    await host.ok('rm', '-f', 'kept1')
    return r.stdout.trim()
  }
  t.regex(await published(), /^\w{12}$/, 'control: -p answers through the kept bridge')
  // one rule deleted behind minirun's back (the masquerade of the bridge's subnet) comes back too
  const rules = async () => (await host.sh(`nft -a list table ip ${table}`)).stdout
  const masquerades = async () => (await rules()).match(/masquerade/g)?.length ?? 0
  const before = await masquerades()
  const masq = /masquerade.*# handle (\d+)/.exec(await rules())!
  await host.sh(`nft delete rule ip ${table} postrouting handle ${masq[1]}`)
  t.is(await masquerades(), before - 1)
  await host.ok('run', '--rm', 'busybox', 'true')
  t.is(await masquerades(), before, 'the next run put the rule back')
  // someone flushes minirun's table: the next run sees a table that is gone (or new) and makes it again
  await host.sh(`nft delete table ip ${table}`)
  t.regex(await published(), /^\w{12}$/, 'the table was made again: -p answers')
  t.regex((await host.sh(`nft list table ip ${table}`)).stdout, /dnat/)
  // and a bridge deleted behind its back comes back, with its gateway
  await host.sh(`ip link del ${br}`)
  t.regex(await published(), /^\w{12}$/, 'the bridge was made again: -p answers')
  t.regex((await host.sh(`ip -o addr show dev ${br}`)).stdout, /172\.17\.0\.1\/16/)
})

test.serial('after everything: no veth, bridge, nft table, netns, mount or lease of minirun remains', async (t) => {
  t.deepEqual(await host.leaks(), [])
})
