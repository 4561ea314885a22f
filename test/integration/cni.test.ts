import test from 'ava'
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, TestHost} from '../helpers/host.js'

// Issue 18, CNI: Debian's reference plugins (containernetworking-plugins) driven as libcni
// drives them: ADD in order with prevResult, DEL in reverse from the cached config, capability
// args (portMappings for -p through portmap, ips for --ip). Every object the plugins make lives
// in the test's own namespace; host-local's leases go to the test's own directory.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('cni')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const ipamDir = () => path.join(host.dir, 'cni-ipam')
const leasesOf = (net: string) => (fs.existsSync(path.join(ipamDir(), net)) ? fs.readdirSync(path.join(ipamDir(), net)).filter((f) => /^\d/.test(f)) : [])

function conflist(name: string, plugins: object[]): string {
  const file = path.join(host.dir, `${name}.conflist`)
  fs.writeFileSync(file, JSON.stringify({cniVersion: '1.0.0', name, plugins}))
  return file
}

const hostLocal = (subnet: string, gateway: string) => ({type: 'host-local', dataDir: ipamDir(), ranges: [[{subnet, gateway}]], routes: [{dst: '0.0.0.0/0'}]})

test.serial('bridge + host-local + portmap + firewall + tuning: -p answers on 127.0.0.1, containers reach each other, rm leaves nothing', async (t) => {
  const file = conflist('cninet', [
    {type: 'bridge', bridge: 'tstcni0', isGateway: true, ipMasq: false, hairpinMode: true, capabilities: {ips: true}, ipam: hostLocal('10.89.1.0/24', '10.89.1.1')},
    {type: 'portmap', capabilities: {portMappings: true}, snat: true},
    {type: 'firewall'},
    {type: 'tuning', sysctl: {'net.ipv4.conf.eth0.accept_redirects': '0'}},
  ])
  t.teardown(() => host.sh('ip link del tstcni0 2>/dev/null; true'))
  await host.ok('network', 'create', '-d', 'cni', '--opt', `config=${file}`, 'cninet')
  t.regex(await host.ok('network', 'ls'), /cninet\s+cni/)
  await host.ok('run', '-d', '--name', 'cweb', '--network', 'cninet', '-p', '18500:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  await host.ok('run', '-d', '--name', 'cpeer', '--network', 'cninet', '--ip', '10.89.1.77', 'busybox', 'sleep', '600')
  const web = JSON.parse(await host.ok('inspect', 'cweb'))[0].NetworkSettings.Networks.cninet
  t.regex(web.IPAddress, /^10\.89\.1\.\d+$/)
  t.is(web.Gateway, '10.89.1.1')
  t.regex(web.MacAddress, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
  t.is(JSON.parse(await host.ok('inspect', 'cpeer'))[0].NetworkSettings.Networks.cninet.IPAddress, '10.89.1.77', '--ip through the ips capability')
  // portmap's DNAT, from the host on 127.0.0.1 and on the container's address directly
  t.regex((await host.sh('curl -s --max-time 3 --retry 20 --retry-connrefused --retry-delay 1 http://127.0.0.1:18500/')).stdout, /minirun/i)
  t.regex(await host.ok('exec', 'cpeer', 'wget', '-qO-', `http://${web.IPAddress}/`), /minirun/i)
  // tuning ran inside the container's namespace
  t.is(await host.ok('exec', 'cweb', 'cat', '/proc/sys/net/ipv4/conf/eth0/accept_redirects'), '0')
  t.is(leasesOf('cninet').length, 2)
  await host.ok('rm', '-f', 'cweb', 'cpeer')
  t.deepEqual(leasesOf('cninet'), [], 'DEL gave the addresses back')
  t.is((await host.sh('iptables -t nat -S | grep -c 18500 || true')).stdout.trim(), '0', "portmap's rules are gone")
  await host.ok('network', 'rm', 'cninet')
  t.deepEqual(await host.leaks(), [])
})

test.serial('ptp, and macvlan on a veth parent', async (t) => {
  const ptp = conflist('cniptp', [{type: 'ptp', ipMasq: false, ipam: hostLocal('10.89.2.0/24', '10.89.2.1')}])
  await host.ok('network', 'create', '-d', 'cni', '--opt', `config=${ptp}`, 'cniptp')
  await host.ok('run', '-d', '--name', 'cp', '--network', 'cniptp', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const ip = JSON.parse(await host.ok('inspect', 'cp'))[0].NetworkSettings.Networks.cniptp.IPAddress
  t.regex((await host.sh(`curl -s --max-time 3 --retry 10 --retry-connrefused --retry-delay 1 http://${ip}/`)).stdout, /minirun/i, 'the host reaches it over its point-to-point link')
  await host.ok('rm', '-f', 'cp')
  await host.ok('network', 'rm', 'cniptp')

  // macvlan: a "LAN" is a veth pair whose far end lives in a peer namespace the test made
  const outside = await host.peer({hostIf: 'tstCniParent', peerIf: 'tstCniLan', peerAddr: '10.89.3.200/24'})
  t.teardown(() => {
    try {
      process.kill(outside, 'SIGKILL')
    } catch {}
    return host.sh('ip link del tstCniParent 2>/dev/null; true').then(() => undefined)
  })
  const mv = conflist('cnimv', [{type: 'macvlan', master: 'tstCniParent', mode: 'bridge', ipam: {...hostLocal('10.89.3.0/24', '10.89.3.1'), routes: []}}])
  await host.ok('network', 'create', '-d', 'cni', '--opt', `config=${mv}`, 'cnimv')
  await host.ok('run', '-d', '--name', 'cm', '--network', 'cnimv', 'busybox', 'sleep', '600')
  t.is((await host.mr('exec', 'cm', 'ping', '-c1', '-W2', '10.89.3.200')).exitCode, 0, 'the container is on the LAN')
  await host.ok('rm', '-f', 'cm')
  await host.ok('network', 'rm', 'cnimv')
  t.deepEqual(leasesOf('cniptp'), [])
  t.deepEqual(leasesOf('cnimv'), [])
  t.deepEqual(await host.leaks(), [])
})

test.serial("a plugin's CNI error is one clean line naming the plugin, and nothing is left half-made", async (t) => {
  const fake = fs.mkdtempSync(path.join(host.dir, 'fakecni-'))
  fs.writeFileSync(path.join(fake, 'nope'), '#!/bin/sh\ncat >/dev/null\n[ "$CNI_COMMAND" = DEL ] && exit 0\necho \'{"cniVersion":"1.0.0","code":11,"msg":"no luck","details":"this plugin always fails"}\'\nexit 1\n', {mode: 0o755})
  const file = conflist('cnibad', [{type: 'bridge', bridge: 'tstcni1', isGateway: true, ipam: hostLocal('10.89.4.0/24', '10.89.4.1')}, {type: 'nope'}])
  t.teardown(() => host.sh('ip link del tstcni1 2>/dev/null; true'))
  const env = {MINIRUN_CNI_PATH: `${fake}:/usr/lib/cni`}
  const mr = (...args: string[]) => host.exec([process.execPath, BIN, ...args], {env})
  t.is((await mr('network', 'create', '-d', 'cni', '--opt', `config=${file}`, 'cnibad')).exitCode, 0)
  const r = await mr('run', '--rm', '--network', 'cnibad', 'busybox', 'true')
  t.not(r.exitCode, 0)
  t.is(r.stderr, 'Error: CNI plugin nope failed on ADD: no luck: this plugin always fails\n')
  t.deepEqual(leasesOf('cnibad'), [], 'the bridge plugin ADD before it was undone by DEL')
  // bad configurations are refused when the network is made
  const traversal = conflist('cnitrav', [{type: '../../bin/sh'}])
  const bad = await mr('network', 'create', '-d', 'cni', '--opt', `config=${traversal}`, 'cnitrav')
  t.regex(bad.stderr, /^Error: CNI configuration .*plugins\.0\.type: a plugin type is a binary name, not a path\n$/)
  t.regex((await mr('network', 'create', '-d', 'cni', 'x1')).stderr, /^Error: -d cni takes one option: --opt config=FILE/)
  await mr('network', 'rm', 'cnibad')
  t.deepEqual(await host.leaks(), [])
})

test.serial('a run killed mid-ADD leaves nothing after system prune: DEL from the cached config', async (t) => {
  const file = conflist('cnikill', [{type: 'bridge', bridge: 'tstcni2', isGateway: true, ipam: hostLocal('10.89.5.0/24', '10.89.5.1')}, {type: 'portmap', capabilities: {portMappings: true}}])
  t.teardown(() => host.sh('ip link del tstcni2 2>/dev/null; true'))
  await host.ok('network', 'create', '-d', 'cni', '--opt', `config=${file}`, 'cnikill')
  for (const delay of [150, 300, 450, 600, 800, 1000]) {
    const child = execa('nsenter', ['-t', String(host.pid), '-n', '-m', '--', process.execPath, BIN, 'run', '-d', '--network', 'cnikill', '-p', '18510:80', 'busybox', 'sleep', '600'], {env: host.env(), reject: false, detached: true})
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
    }, delay)
    await child
    clearTimeout(timer)
    await host.mr('rm', '-f', ...(await host.ok('ps', '-aq')).split('\n').filter(Boolean))
  }
  // a run killed between writing its cache aside and renaming it leaves a .tmp file (seen in CI):
  // it is no endpoint of the network, and prune removes it (the control: the same text under the
  // cache's own name is an endpoint that network rm names)
  const results = path.join(host.root, 'cni', 'results')
  const ghost = 'f'.repeat(64)
  const cache = JSON.stringify({kind: 'cniCacheV1', containerId: ghost, ifName: 'eth0', networkName: 'cnikill', netns: '', config: JSON.parse(fs.readFileSync(path.join(host.root, 'networks', 'cnikill.json'), 'utf8')).cni, runtimeConfig: {}})
  fs.mkdirSync(results, {recursive: true})
  fs.writeFileSync(path.join(results, `cnikill-${ghost}-eth0.json`), cache)
  t.regex((await host.mr('network', 'rm', 'cnikill')).stderr, /has active endpoints \(.*ffffffffffff.*\)/)
  fs.renameSync(path.join(results, `cnikill-${ghost}-eth0.json`), path.join(results, `cnikill-${ghost}-eth0.json.0badcafe.tmp`))
  const prune = await host.mr('container', 'prune', '-f')
  t.is(prune.exitCode, 0, prune.stderr)
  t.deepEqual(leasesOf('cnikill'), [])
  t.is((await host.sh('ip -o link show master tstcni2 | wc -l')).stdout.trim(), '0', 'no veth left on the bridge')
  t.is((await host.sh('iptables -t nat -S | grep -c 18510 || true')).stdout.trim(), '0')
  t.deepEqual(fs.readdirSync(results), [], 'no cache file is left, the killed writer\'s included')
  await host.ok('network', 'rm', 'cnikill')
  t.deepEqual(await host.leaks(), [])
})
