import test from 'ava'
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {toolPath} from '../../src/kernel/runner.js'
import {TestHost} from '../helpers/host.js'

// Attacks on the networking of issues 15, 18 and 20 (DNS, the CNI plugin, the live page) that
// got through, each written as the attack with its control, as in attacks.test.ts. Everything
// they could damage belongs to the test host (its own network namespace).

const PLUGIN = fileURLToPath(new URL('../../../bin/minirun-bridge', import.meta.url))

let host: TestHost
test.before(async () => {
  host = await TestHost.create('attack3')
})
test.after.always(async () => {
  await host?.close()
})

async function sandbox(t: {teardown: (f: () => void) => void}): Promise<string> {
  const pid = Number((await host.sh('unshare -n sleep 3600 >/dev/null 2>&1 & echo $!')).stdout.trim())
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  })
  return `/proc/${pid}/ns/net`
}

const plugin = (command: string, netns: string, config: object) =>
  host.exec([PLUGIN], {input: JSON.stringify(config), env: {CNI_COMMAND: command, CNI_CONTAINERID: 'pod1', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni'}})

test.serial("minirun-bridge DEL: a CNI_NETNS other than ADD's (here the host's own) never has its eth0 deleted", async (t) => {
  const config = {cniVersion: '1.0.0', name: 'atk3', type: 'minirun-bridge', bridge: 'tstatk3', subnet: '10.89.60.0/24', stateDir: host.root}
  // the host's own interface, named as the pod's: minirun did not make it
  await host.sh('ip link add eth0 type veth peer name eth0peer')
  t.teardown(() => host.sh('ip link del eth0 2>/dev/null; true'))
  const netns = await sandbox(t)
  const add = await plugin('ADD', netns, config)
  t.is(add.exitCode, 0, add.stdout)
  t.is((await host.sh(`nsenter --net=${netns} ip -br addr show dev eth0`)).exitCode, 0, "control: ADD gave the pod its eth0")

  // DEL for the same container and interface, pointed at the plugin's own namespace
  const del = await plugin('DEL', '/proc/self/ns/net', config)
  t.is(del.exitCode, 0, del.stdout)
  t.is((await host.sh('ip link show dev eth0')).exitCode, 0, "the host's eth0 is still there")
  t.not((await host.sh(`nsenter --net=${netns} ip link show dev eth0`)).exitCode, 0, "the pod's eth0 went (with its host end)")
  await host.sh('ip link del eth0')
  t.deepEqual(await host.leaks(), [])
})

test.serial("a port minirun publishes cannot be published again by the CNI plugin's other root (two DNAT maps for one host port)", async (t) => {
  const stateDir = `${host.dir}/plugin-root`
  const config = (hostPort: number) => ({cniVersion: '1.0.0', name: 'atk3p', type: 'minirun-bridge', bridge: 'tstatk3p', subnet: '10.89.61.0/24', stateDir, runtimeConfig: {portMappings: [{hostPort, containerPort: 80, protocol: 'tcp'}]}})
  await host.ok('run', '-d', '--name', 'atk3-web', '-p', '18500:80', 'busybox', 'sleep', '600')
  t.teardown(() => host.mr('rm', '-f', 'atk3-web'))
  const netns = await sandbox(t)
  // control: a free port is published for the pod
  const free = await plugin('ADD', netns, config(18501))
  t.is(free.exitCode, 0, free.stdout)
  t.is((await plugin('DEL', netns, config(18501))).exitCode, 0)
  // the attack: the pod asks for the port the container holds
  const taken = await plugin('ADD', netns, config(18500))
  t.not(taken.exitCode, 0, 'the pod was given 18500/tcp too')
  t.regex(taken.stdout, /18500\/tcp is already published/)
  t.is((await plugin('DEL', netns, config(18500))).exitCode, 0)
  // and the other way round: a port the plugin's root publishes is not minirun's to take
  t.is((await plugin('ADD', netns, config(18502))).exitCode, 0)
  const run = await host.mr('run', '-d', '--name', 'atk3-web2', '-p', '18502:80', 'busybox', 'sleep', '600')
  t.not(run.exitCode, 0, 'minirun published 18502/tcp too')
  t.regex(run.stderr, /18502\/tcp is already published/)
  t.is((await plugin('DEL', netns, config(18502))).exitCode, 0)
  await host.mr('rm', '-f', 'atk3-web', 'atk3-web2')
  t.deepEqual(await host.leaks(), [])
})

// The clash check reads every minirun table's maps in one nft command. If that read fails, the
// publish must fail with it: taken for "no table", it would publish with nothing checked.
test.serial('-p is refused when the read of the nft maps fails, not published unchecked', async (t) => {
  const shims = `${host.dir}/nft-fails`
  fs.mkdirSync(shims, {recursive: true})
  fs.writeFileSync(`${shims}/nft`, '#!/bin/sh\ncase "$*" in *"list maps"*) echo "nft: injected failure" >&2; exit 1;; esac\nexec /usr/sbin/nft "$@"\n', {mode: 0o755})
  const restore = () => delete host.extraEnv.PATH
  t.teardown(async () => {
    restore()
    await host.mr('rm', '-f', 'atk3-chk')
  })
  // control: with the real nft, the same run publishes
  const ok = await host.mr('run', '-d', '--name', 'atk3-chk', '-p', '18510:80', 'busybox', 'sleep', '600')
  t.is(ok.exitCode, 0, ok.stderr)
  await host.ok('rm', '-f', 'atk3-chk')
  host.extraEnv.PATH = `${shims}:${toolPath()}`
  const blind = await host.mr('run', '-d', '--name', 'atk3-chk', '-p', '18510:80', 'busybox', 'sleep', '600')
  restore()
  t.not(blind.exitCode, 0, 'published with the clash check unable to read the maps')
  t.regex(blind.stderr, /injected failure/)
  t.deepEqual(await host.leaks(), [])
})

// A network's dnsmasq forwarded the zone of every other network one of its members was also on,
// and dnsmasq cannot choose upstreams by client, so every member of A learnt the names and
// addresses of B's containers once one container sat on both. Now the container on both asks a
// forwarder of its own (127.0.0.11 in its namespace, as Docker's), and A's resolver knows only A.
test.serial("DNS: a container on network A alone cannot resolve network B's container names through A's resolver", async (t) => {
  await host.ok('network', 'create', 'atkna')
  await host.ok('network', 'create', 'atknb')
  t.teardown(async () => {
    await host.mr('rm', '-f', 'atk-a', 'atk-b', 'atk-both')
    await host.mr('network', 'rm', 'atkna', 'atknb')
  })
  await host.ok('run', '-d', '--name', 'atk-a', '--network', 'atkna', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'atk-b', '--network', 'atknb', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'atk-both', '--network', 'atkna', 'busybox', 'sleep', '600')
  await host.ok('network', 'connect', 'atknb', 'atk-both')
  const ipOf = async (name: string) => JSON.parse(await host.ok('inspect', name))[0].NetworkSettings.IPAddress as string
  const answers = (ip: string) => new RegExp(`Address: ${ip.replace(/\./g, '\\.')}$`, 'm')
  const ipA = await ipOf('atk-a')
  const ipB = await ipOf('atk-b')
  // control: the container on both networks resolves atk-b, by short name and by its zone, and atk-a
  t.regex((await host.mr('exec', 'atk-both', 'nslookup', 'atk-b')).stdout, answers(ipB))
  t.regex((await host.mr('exec', 'atk-both', 'nslookup', 'atk-b.atknb.dns.minirun')).stdout, answers(ipB))
  t.regex((await host.mr('exec', 'atk-both', 'nslookup', 'atk-a')).stdout, answers(ipA))
  t.regex((await host.mr('exec', 'atk-both', 'nslookup', 'atk-a.atkna.dns.minirun')).stdout, answers(ipA))
  // the attack: atk-a asks its own network's resolver (its only nameserver) for B's names
  const leak = await host.mr('exec', 'atk-a', 'nslookup', 'atk-b.atknb.dns.minirun')
  t.notRegex(leak.stdout, answers(ipB), "atk-a learns atk-b's address")
  t.notRegex((await host.mr('exec', 'atk-a', 'nslookup', 'atk-b')).stdout, answers(ipB), "atk-a learns atk-b's address by its short name")
  await host.ok('rm', '-f', 'atk-a', 'atk-b', 'atk-both')
  await host.ok('network', 'rm', 'atkna', 'atknb')
  t.deepEqual(await host.leaks(), [])
})
