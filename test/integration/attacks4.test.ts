import test, {type ExecutionContext} from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {vethName} from '../../src/networks/drivers/bridge.js'
import {compileFixtures, sleep, TestHost} from '../helpers/host.js'

// Attacks on what changed with the lock helper and the per-container DNS forwarder (veths that
// go with their namespace, kept bridges, 127.0.0.11), each the attack with its control, as in
// attacks.test.ts. Everything they could damage belongs to the test host.

let host: TestHost
let tools: string
test.before(async () => {
  host = await TestHost.create('attack4')
  tools = await compileFixtures(host, ['netns-holder'])
})
test.after.always(async () => {
  await host?.close()
})

async function logsUntil(name: string, text: string): Promise<string> {
  let out = ''
  for (let i = 0; i < 100 && !(out = (await host.mr('logs', name)).stdout).includes(text); i++) await sleep(100)
  return out
}

/**
 * A container hands `kind` (a UDP socket bound in its namespace, or the namespace itself) to a
 * container on no network through a unix socket on a shared volume, then exits and is removed:
 * what the receiver keeps holds its namespace alive. Its veth must still leave the bridge, or the
 * old namespace answers for the address (and MAC) the next container is given.
 */
async function handOut(t: ExecutionContext, kind: 'sock' | 'ns' | 'procnet'): Promise<void> {
  const share = fs.mkdtempSync(path.join(host.dir, 'share-'))
  await host.ok('network', 'create', 'atk4n')
  t.teardown(async () => {
    await host.mr('rm', '-f', 'atk4-holder', 'atk4-x', 'atk4-z')
    await host.mr('network', 'rm', 'atk4n')
  })
  const bridge = await host.bridgeOf('atk4n')
  const gateway = JSON.parse(await host.ok('network', 'inspect', 'atk4n'))[0].IPAM.Config[0].Gateway as string
  // control: a container that hands nothing out leaves its veths to its namespace's release
  const plain = await host.mr('run', '--rm', '--explain', '--network', 'atk4n', 'busybox', 'true')
  t.regex(plain.stdout + plain.stderr, /goes with the container's namespace/)
  // the receiver keeps what it is given and, a socket, sends from it to the gateway (so the
  // bridge learns the MAC behind the old port, which is also the next container's)
  await host.ok('run', '-d', '--name', 'atk4-holder', '--network', 'none', '-v', `${share}:/x`, '-v', `${tools}:/probe:ro`, 'busybox', '/probe/netns-holder', 'keep', '/x/s', gateway)
  t.regex(await logsUntil('atk4-holder', 'listening'), /listening/)
  const what = kind === 'sock' ? 'sock 17777' : kind
  // its address from eth0, not `hostname -i`: on a user network that asks the resolver first,
  // which an attached run's name reaches only after its command has started
  const give = await host.ok('run', '--name', 'atk4-x', '--network', 'atk4n', '-v', `${share}:/x`, '-v', `${tools}:/probe:ro`, 'busybox', 'sh', '-c', `ip -4 addr show eth0 | sed -n 's/.*inet \\([0-9.]*\\)\\/.*/\\1/p'; /probe/netns-holder give /x/s ${what}`)
  const ipX = give.split('\n')[0].trim()
  t.regex(give, /given/)
  t.regex(await logsUntil('atk4-holder', 'holding'), /holding/, 'control: the namespace is held by a container on no network')
  const oldVeth = vethName((await host.ok('inspect', '-f', '{{.Id}}', 'atk4-x')).trim(), 'eth0')
  const exists = async () => (await host.sh(`ip link show ${oldVeth}`)).exitCode === 0
  t.true(await exists(), "control: atk4-x's veth lives on with its namespace")
  await host.ok('rm', 'atk4-x')
  for (let i = 0; i < 50 && (await host.bridgePorts(bridge)).length > 0; i++) await sleep(100)
  t.deepEqual(await host.bridgePorts(bridge), [], `the removed container's veth is off ${bridge}, although its namespace lives on`)

  // the next container gets the same address: datagrams to it never reach the old namespace
  await host.ok('run', '-d', '--name', 'atk4-z', '--network', 'atk4n', 'busybox', 'sleep', '600')
  const ipZ = JSON.parse(await host.ok('inspect', 'atk4-z'))[0].NetworkSettings.IPAddress as string
  t.is(ipZ, ipX, 'control: the address was given again')
  for (let i = 0; i < 5; i++) (await host.sh(`bash -c "echo secret${i} > /dev/udp/${ipZ}/17777"`), await sleep(100))
  t.notRegex((await host.mr('logs', 'atk4-holder')).stdout, /got: secret/, 'traffic for the new container was read through the old namespace')
  await host.ok('rm', '-f', 'atk4-holder', 'atk4-z')
  // with its holder gone, the kernel frees the old namespace, and the old veth with it (in its
  // own time: a prune before that would find the veth and delete it as an orphan)
  for (let i = 0; i < 50 && (await exists()); i++) await sleep(100)
  t.false(await exists(), 'the old veth goes with the namespace once nothing holds it')
  t.deepEqual(await host.leaks(), [])
}

test.serial("a container that hands out a socket of its namespace loses its veth at rm: the holder never reads the traffic of the next container on its address", (t) => handOut(t, 'sock'))
test.serial('a container that hands out its namespace (an nsfs fd) loses its veth at rm: the old namespace never answers for the next container on its address', (t) => handOut(t, 'ns'))
// found by a red-team pass: an open /proc/PID/net file holds the namespace too, and reads as a
// path, so no scan of fds for the namespace sees it: the host end is taken off the bridge anyway
test.serial('a container that hands out an open /proc/self/net/dev loses its veth at rm as well', (t) => handOut(t, 'procnet'))

test.serial("a container that serves port 53 itself and joins a second network keeps its port, gets its forwarder, and spoils nobody's names", async (t) => {
  await host.ok('network', 'create', 'atk4a')
  await host.ok('network', 'create', 'atk4b')
  t.teardown(async () => {
    await host.mr('rm', '-f', 'atk4-squat', 'atk4-peer', 'atk4-both')
    await host.mr('network', 'rm', 'atk4a', 'atk4b')
  })
  // control: a container that squats nothing gets its forwarder on connect
  await host.ok('run', '-d', '--name', 'atk4-both', '--network', 'atk4a', 'busybox', 'sleep', '600')
  await host.ok('network', 'connect', 'atk4b', 'atk4-both')
  t.regex(await host.ok('exec', 'atk4-both', 'cat', '/etc/resolv.conf'), /nameserver 127\.0\.0\.11/)
  // the squatter listens on port 53 (tcp, every address, as a DNS server would) before it is
  // connected to a second network. When the forwarder bound 127.0.0.11:53 itself, this failed
  // its start, and that failure made every later run, exit and rm on both networks fail; now
  // the forwarder is on a high port (127.0.0.11:53 is redirected to it) and nobody is in the way
  await host.ok('run', '-d', '--name', 'atk4-squat', '--network', 'atk4a', 'busybox', 'nc', '-l', '-p', '53')
  for (let i = 0; i < 50 && !(await host.mr('exec', 'atk4-squat', 'netstat', '-ltn')).stdout.includes(':53 '); i++) await sleep(100)
  const connect = await host.mr('network', 'connect', 'atk4b', 'atk4-squat')
  t.is(connect.exitCode, 0, connect.stderr)
  t.is(connect.stderr, '', 'no warning: its forwarder started')
  t.regex((await host.mr('exec', 'atk4-squat', 'netstat', '-ltn')).stdout, /:53 /, 'it still serves port 53')
  t.is((await host.mr('exec', 'atk4-squat', 'nslookup', 'atk4-both')).exitCode, 0, "and resolves the other networks' names through 127.0.0.11:53")
  // everyone else on either network: a run, names, and rm
  const run = await host.mr('run', '-d', '--name', 'atk4-peer', '--network', 'atk4a', 'busybox', 'sleep', '600')
  t.is(run.exitCode, 0, run.stderr)
  const lookup = await host.mr('run', '--rm', '--network', 'atk4b', 'busybox', 'true')
  t.is(lookup.exitCode, 0, lookup.stderr)
  const names = await host.mr('exec', 'atk4-peer', 'nslookup', 'atk4-peer')
  t.is(names.exitCode, 0, names.stdout + names.stderr)
  const rm = await host.mr('rm', '-f', 'atk4-peer')
  t.is(rm.exitCode, 0, rm.stderr)
  await host.ok('rm', '-f', 'atk4-squat', 'atk4-both')
  t.deepEqual(await host.leaks(), [])
})
