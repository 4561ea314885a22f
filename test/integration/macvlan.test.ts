import test from 'ava'
import {TestHost} from '../helpers/host.js'

// Issue 5: macvlan on a "LAN" made of a veth pair (this kernel has no dummy links): lanA is the
// parent, lanB sits in another namespace that plays an outside host on that LAN.

let host: TestHost
let outside = 0
const SUBNET = '192.168.77.0/24'
const OUTSIDE_IP = '192.168.77.100'

test.before(async () => {
  host = await TestHost.create('macvlan')
  outside = await host.peer({hostIf: 'lanA', peerIf: 'lanB', peerAddr: `${OUTSIDE_IP}/24`})
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const inOutside = (...argv: string[]) => host.exec(['nsenter', '-t', String(outside), '-n', ...argv])
const info = async (name: string) => JSON.parse(await host.ok('inspect', name))[0]

test.serial('containers on a macvlan network reach each other and the LAN reaches them directly', async (t) => {
  await host.ok('network', 'create', '-d', 'macvlan', '--subnet', SUBNET, '--gateway', '192.168.77.1', '-o', 'parent=lanA', 'pub_net')
  const warn = await host.mr('run', '-d', '--name', 'm1', '--network', 'pub_net', '-p', '18096:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  t.is(warn.exitCode, 0, warn.stderr)
  t.regex(warn.stderr, /WARNING: Published ports are ignored on macvlan network pub_net/)
  await host.ok('run', '-d', '--name', 'm2', '--network', 'pub_net', '--ip', '192.168.77.50', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const [m1, m2] = [await info('m1'), await info('m2')]
  t.is(m2.NetworkSettings.IPAddress, '192.168.77.50')
  t.regex(m1.NetworkSettings.IPAddress, /^192\.168\.77\.\d+$/)
  t.not(m1.NetworkSettings.MacAddress, m2.NetworkSettings.MacAddress)
  t.is(m1.NetworkSettings.Networks.pub_net.IPAddress, m1.NetworkSettings.IPAddress)
  t.regex(await host.ok('exec', 'm1', 'wget', '-qO-', 'http://192.168.77.50/'), /minirun/i)
  t.regex(await host.ok('exec', 'm2', 'wget', '-qO-', `http://${m1.NetworkSettings.IPAddress}/`), /minirun/i)
  const fromLan = await inOutside('curl', '-s', '--max-time', '5', '--retry', '10', '--retry-connrefused', '--retry-delay', '1', `http://${m1.NetworkSettings.IPAddress}/`)
  t.regex(fromLan.stdout, /minirun/i)
  const neigh = (await inOutside('ip', 'neigh', 'show', m1.NetworkSettings.IPAddress)).stdout
  t.regex(neigh, new RegExp(`lladdr ${m1.NetworkSettings.MacAddress}`), 'the LAN sees the container\'s own MAC: no NAT')
  const [net] = JSON.parse(await host.ok('network', 'inspect', 'pub_net'))
  t.is(net.Driver, 'macvlan')
  t.regex(net.Notes, /host cannot reach/)
  t.is(Object.keys(net.Containers).length, 2)
})

test.serial('the host cannot reach its own macvlan children; with host_shim=true it can', async (t) => {
  const ip = (await info('m1')).NetworkSettings.IPAddress
  const direct = await host.sh(`curl -s --max-time 2 http://${ip}/`)
  t.not(direct.exitCode, 0, 'no shim: the parent does not deliver to its own children')
  await host.ok('rm', '-f', 'm1', 'm2')
  await host.ok('network', 'rm', 'pub_net')
  await host.ok('network', 'create', '-d', 'macvlan', '--subnet', SUBNET, '-o', 'parent=lanA', '-o', 'host_shim=true', 'shim_net')
  await host.ok('run', '-d', '--name', 'm3', '--network', 'shim_net', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const ip3 = (await info('m3')).NetworkSettings.IPAddress
  t.regex((await host.sh(`curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://${ip3}/`)).stdout, /minirun/i)
  await host.ok('rm', '-f', 'm3')
  await host.ok('network', 'rm', 'shim_net')
})

test.serial('parent=IFACE.VLAN makes the 802.1q sub-interface and removes it with the network', async (t) => {
  // Not every kernel has 8021q (this project's CI kernel may not): then the error must say so.
  const probe = await host.sh('ip link add link lanA name tstvlan type vlan id 9 && ip link del tstvlan')
  const r = await host.mr('network', 'create', '-d', 'macvlan', '--subnet', '192.168.78.0/24', '-o', 'parent=lanA.42', 'vlan_net')
  if (probe.exitCode !== 0) {
    t.regex(r.stderr, /^Error: this kernel has no 802\.1q VLAN support \(module 8021q\)/)
    t.not((await host.sh('ip link show lanA.42')).exitCode, 0, 'nothing half-made')
    t.notRegex(await host.ok('network', 'ls'), /vlan_net/)
    return
  }
  t.is(r.exitCode, 0, r.stderr)
  t.regex((await host.sh('ip -d link show lanA.42')).stdout, /vlan protocol 802\.1Q id 42/)
  await host.ok('run', '-d', '--name', 'v1', '--network', 'vlan_net', 'busybox', 'sleep', '600')
  await host.ok('rm', '-f', 'v1')
  await host.ok('network', 'rm', 'vlan_net')
  t.not((await host.sh('ip link show lanA.42')).exitCode, 0)
})

const bad: Array<[string, string[], RegExp]> = [
  ['missing parent', ['network', 'create', '-d', 'macvlan', '--subnet', '192.168.79.0/24', 'x1'], /needs a parent interface/],
  ['parent does not exist', ['network', 'create', '-d', 'macvlan', '--subnet', '192.168.79.0/24', '-o', 'parent=nosuch0', 'x2'], /parent interface nosuch0 does not exist/],
  ['gateway outside subnet', ['network', 'create', '-d', 'macvlan', '--subnet', '192.168.79.0/24', '--gateway', '10.0.0.1', '-o', 'parent=lanA', 'x3'], /gateway 10\.0\.0\.1 is not in subnet/],
]
for (const [title, args, msg] of bad) {
  test.serial(`bad input: ${title}`, async (t) => {
    const r = await host.mr(...args)
    t.not(r.exitCode, 0)
    t.regex(r.stderr, /^Error: /)
    t.regex(r.stderr, msg)
    t.regex(await host.ok('network', 'ls'), /^(?![\s\S]*\bx[123]\b)/)
  })
}

test.serial('--ip taken or outside the subnet is refused, nothing half-made', async (t) => {
  await host.ok('network', 'create', '-d', 'macvlan', '--subnet', '192.168.80.0/24', '-o', 'parent=lanA', 'ipnet')
  await host.ok('run', '-d', '--name', 'i1', '--network', 'ipnet', '--ip', '192.168.80.10', 'busybox', 'sleep', '600')
  const taken = await host.mr('run', '-d', '--name', 'i2', '--network', 'ipnet', '--ip', '192.168.80.10', 'busybox', 'sleep', '600')
  t.regex(taken.stderr, /^Error: .*192\.168\.80\.10 is already in use/)
  const outside = await host.mr('run', '-d', '--name', 'i3', '--network', 'ipnet', '--ip', '10.9.9.9', 'busybox', 'sleep', '600')
  t.regex(outside.stderr, /^Error: .*10\.9\.9\.9 is not in/)
  t.notRegex(await host.ok('ps', '-a'), /\bi[23]\b/)
  await host.ok('rm', '-f', 'i1')
  await host.ok('network', 'rm', 'ipnet')
})

test.serial('after the containers and networks are gone: no macvlan child, shim, sub-interface or lease remains', async (t) => {
  const links = (await host.sh('ip -o link show')).stdout
  t.notRegex(links, /macvlan|mrs-|lanA\.42/)
  t.deepEqual(await host.leaks(), [])
})
