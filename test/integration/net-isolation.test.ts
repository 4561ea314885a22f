import test from 'ava'
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {tagOf} from '../../src/state/paths.js'
import {BIN, TestHost} from '../helpers/host.js'

// Security review, network holes: a hostile default container must not reach the host's
// loopback services (5), minirun must not take over or delete interfaces it did not make (7),
// bridge networks are isolated from each other (8), and two state roots never share kernel
// objects (11). Each attack is run with the defence removed too (inside this test's own
// namespace), so each test can fail.

let host: TestHost
const HOST_ADDR = '198.51.100.1'
const PEER_ADDR = '198.51.100.2'
let peer = 0
test.before(async () => {
  host = await TestHost.create('netiso')
  peer = await host.peer({hostIf: 'tstNi', peerIf: 'tstNiP', hostAddr: `${HOST_ADDR}/24`, peerAddr: `${PEER_ADDR}/24`})
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const inspect = async (name: string) => JSON.parse(await host.ok('inspect', name))[0]
const table = () => `minirun${tagOf(host.root)}`
const ping = (from: string, ip: string) => host.mr('exec', from, 'ping', '-c1', '-W1', ip)
/** Packets counted by the rules of `chain` in minirun's table (they all count drops). */
async function dropped(chain: string): Promise<number> {
  const r = await host.sh(`nft list chain ip ${table()} ${chain}`)
  return [...r.stdout.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
}
/** Delete this network's rules of `chain` from minirun's table, in the test host only: the defence off. */
async function removeRules(chain: string): Promise<void> {
  const listed = (await host.sh(`nft -a list chain ip ${table()} ${chain}`)).stdout
  for (const m of listed.matchAll(/comment "net:[^"]+" # handle (\d+)/g)) {
    const r = await host.sh(`nft delete rule ip ${table()} ${chain} handle ${m[1]}`)
    if (r.exitCode !== 0) throw new Error(r.stderr)
  }
}

test.serial('5: a default container cannot reach a host service on 127.0.0.1 with a crafted packet; published 127.0.0.1 ports still work', async (t) => {
  // the attack program, compiled here (cc -static), mounted read-only into the container
  const dir = fs.mkdtempSync(path.join(host.dir, 'probe-'))
  const src = fileURLToPath(new URL('../../../test/integration/probes/loopback-syn.c', import.meta.url))
  const cc = await execa('cc', ['-static', '-O1', '-o', path.join(dir, 'loopback-syn'), src], {reject: false})
  t.is(cc.exitCode, 0, `cc: ${cc.stderr}`)
  // a host service bound to loopback only
  const port = 19571
  const listener = Number((await host.sh(`${process.execPath} -e "require('net').createServer((s) => s.end('secret')).listen(${port}, '127.0.0.1')" >/dev/null 2>&1 & echo $!`)).stdout.trim())
  t.teardown(() => host.sh(`kill ${listener} 2>/dev/null`))
  for (let i = 0; i < 100 && (await host.sh(`curl -s --max-time 1 http://127.0.0.1:${port}/ -o /dev/null; [ $? -ne 7 ]`)).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 50))

  await host.ok('run', '-d', '--name', 'pub5', '-p', '127.0.0.1:18571:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18571/')).stdout, /minirun/i, 'published on 127.0.0.1: still served')
  const gateway = (await inspect('pub5')).NetworkSettings.Gateway as string
  // a default container: no flags beyond the probe's read-only mount. Started once: minirun puts a
  // network's missing rules back on each run, so the control below removes the rule after this.
  await host.ok('run', '-d', '--name', 'attacker', '-v', `${dir}:/probe:ro`, 'busybox', 'sleep', '600')
  // read after the attacker joined: a bridge takes the lowest MAC of its ports, so it can change
  const gwMac = JSON.parse((await host.sh(`ip -j link show ${await host.bridgeOf('bridge')}`)).stdout)[0].address as string
  // exec right after `run -d` can race the launch ("cannot open /proc/PID/root"): wait until it works
  for (let i = 0; i < 50 && (await host.mr('exec', 'attacker', 'true')).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 100))
  const attack = async () => {
    // the ping first: the host must know the container's MAC to send its answer back
    const r = await host.mr('exec', 'attacker', 'sh', '-c', `ping -c1 -W1 ${gateway} >/dev/null; /probe/loopback-syn eth0 $(cat /sys/class/net/eth0/address) ${gwMac} $(hostname -i) 127.0.0.1 ${port}`)
    return r.stdout.trim() + r.stderr.trim()
  }
  const before = await dropped('input')
  t.is(await attack(), 'no answer')
  t.true((await dropped('input')) > before, 'the guard rule dropped it')
  t.regex((await host.sh('sysctl -n net.ipv4.conf.' + (await host.bridgeOf('bridge')) + '.route_localnet')).stdout, /1/, 'route_localnet is still on: the rule is what stops it')

  // control: without the guard rule (in this test host only), the same probe gets the host's SYN-ACK
  await removeRules('input')
  t.is(await attack(), 'ANSWERED syn-ack')
  await host.ok('rm', '-f', 'pub5', 'attacker')
  t.deepEqual(await host.leaks(), [])
})

test.serial('8: bridge networks are isolated from each other, both ways; a container on both reaches both; published ports and the outside still work', async (t) => {
  await host.ok('network', 'create', 'neta')
  await host.ok('network', 'create', 'netb')
  const run = (name: string, ...flags: string[]) => host.ok('run', '-d', '--name', name, ...flags, 'busybox', 'sleep', '600')
  await run('a1', '--network', 'neta')
  await run('b1', '--network', 'netb')
  await run('d1')
  await run('ab', '--network', 'neta')
  await host.ok('network', 'connect', 'netb', 'ab')
  await host.ok('run', '-d', '--name', 'pa', '--network', 'neta', '-p', '18572:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const ip = async (name: string, network: string) => (await inspect(name)).NetworkSettings.Networks[network].IPAddress as string
  const [a1, b1, d1] = [await ip('a1', 'neta'), await ip('b1', 'netb'), await ip('d1', 'bridge')]

  // the routes exist (the host reaches all three), so a failed ping below is the drop
  for (const addr of [a1, b1, d1]) t.is((await host.sh(`ping -c1 -W2 ${addr} || busybox ping -c1 -W2 ${addr}`)).exitCode, 0, addr)
  const before = await dropped('isolate')
  for (const [from, to] of [['a1', b1], ['b1', a1], ['a1', d1], ['d1', a1], ['b1', d1], ['d1', b1]]) {
    t.not((await ping(from, to)).exitCode, 0, `${from} must not reach ${to}`)
  }
  t.true((await dropped('isolate')) - before >= 6, 'each attempt was dropped by an isolation rule')

  // a container on both networks reaches both; containers reach a published port of another
  // network through the host address; hairpin; the outside
  t.is((await ping('ab', a1)).exitCode, 0)
  t.is((await ping('ab', b1)).exitCode, 0)
  t.is((await ping('a1', await ip('ab', 'neta'))).exitCode, 0)
  t.is((await ping('b1', await ip('ab', 'netb'))).exitCode, 0)
  for (const from of ['b1', 'd1', 'pa']) t.regex(await host.ok('exec', from, 'wget', '-qO-', `http://${HOST_ADDR}:18572/`), /minirun/i, from)
  for (const from of ['a1', 'b1', 'd1']) t.is((await ping(from, PEER_ADDR)).exitCode, 0, `${from} reaches the outside`)
  const outside = await host.exec(['nsenter', '-t', String(peer), '-n', 'curl', '-s', '--max-time', '5', `http://${HOST_ADDR}:18572/`])
  t.regex(outside.stdout, /minirun/i)

  // control: without the isolation rules (in this test host only), a1 reaches b1 and d1
  await removeRules('isolate')
  t.is((await ping('a1', b1)).exitCode, 0)
  t.is((await ping('d1', a1)).exitCode, 0)
  await host.ok('rm', '-f', 'a1', 'b1', 'd1', 'ab', 'pa')
  await host.ok('network', 'rm', 'neta', 'netb')
  t.deepEqual(await host.leaks(), [])
})

test.serial('7: interfaces minirun did not create are refused, never taken over or deleted', async (t) => {
  const keep = {tstV0: '10.203.0.1/24', tstBr0: '10.204.0.1/24', tstLate: '10.205.0.1/24'}
  t.teardown(() => host.sh('ip link del tstV0; ip link del tstBr0; ip link del tstLate; ip link del mr0123456789a0'))
  const made = await host.sh(
    [
      'ip link add tstV0 type veth peer name tstV1',
      'ip link add tstBr0 type bridge',
      ...Object.entries(keep).slice(0, 2).map(([l, a]) => `ip addr add ${a} dev ${l} && ip link set ${l} up`),
      // shaped like a minirun veth, but the host's: prune must leave it alone
      'ip link add mr0123456789a0 type veth peer name tstV2',
    ].join(' && '),
  )
  t.is(made.exitCode, 0, made.stderr)
  const still = async () => {
    for (const [link, addr] of Object.entries(keep)) {
      if (link === 'tstLate' && (await host.sh('ip link show tstLate')).exitCode !== 0) continue
      t.regex((await host.sh(`ip -o addr show dev ${link}`)).stdout, new RegExp(addr.replace(/\./g, '\\.')), `${link} still has ${addr}`)
    }
    t.is((await host.sh('ip link show mr0123456789a0')).exitCode, 0, 'the host veth shaped like a minirun one is still there')
  }

  for (const [name, kind] of [['tstV0', /a veth interface minirun did not create/], ['tstBr0', /a bridge minirun did not create/]] as const) {
    const r = await host.mr('network', 'create', '-o', `com.docker.network.bridge.name=${name}`, `take-${name.toLowerCase()}`)
    t.not(r.exitCode, 0)
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    t.regex(r.stderr, new RegExp(`^Error: interface ${name} already exists`))
    t.regex(r.stderr, kind)
    t.notRegex(await host.ok('network', 'ls'), /take-/, 'no record left')
  }

  // the name was free at create (which made the bridge, as Docker does); it was deleted and a host
  // interface took the name before the first container: refused at use
  await host.ok('network', 'create', '-o', 'com.docker.network.bridge.name=tstLate', 'late')
  await host.sh(`ip link del tstLate && ip link add tstLate type veth peer name tstLate2 && ip addr add ${keep.tstLate} dev tstLate`)
  const use = await host.mr('run', '-d', '--name', 'late1', '--network', 'late', 'busybox', 'sleep', '600')
  t.regex(use.stderr, /^Error: interface tstLate already exists \(a veth/)
  t.notRegex(await host.ok('ps', '-a'), /late1/, 'nothing half-made')

  // everything minirun can tear down, run with those interfaces around
  await host.ok('run', '-d', '--name', 'c7', 'busybox', 'sleep', '600')
  await host.ok('rm', '-f', 'c7')
  await host.ok('network', 'rm', 'late')
  await host.ok('system', 'prune', '-f')
  await still()
  t.is((await host.sh('ip link show tstLate')).exitCode, 0)
  await host.sh('ip link del mr0123456789a0')
  t.deepEqual(await host.leaks(), [])
})

test.serial("11: a bridge or nft table marked by another root is refused, not used or deleted; another root's veths survive this root's prune", async (t) => {
  const tag = tagOf(host.root)
  const other = '/var/lib/minirun-other-root'
  // what another root whose tag collides with ours would have made
  const made = await host.sh(
    [
      `ip link add mr${tag}0 type bridge`,
      `ip link set mr${tag}0 alias minirun:${other}`,
      `ip addr add 10.206.0.1/24 dev mr${tag}0`,
    ].join(' && '),
  )
  t.is(made.exitCode, 0, made.stderr)
  t.teardown(() => host.sh(`ip link del mr${tag}0 2>/dev/null; nft delete table ip minirun${tag} 2>/dev/null`))
  const r = await host.mr('run', '--rm', 'busybox', 'true')
  t.regex(r.stderr, new RegExp(`^Error: bridge mr${tag}0 belongs to minirun root ${other}, not this one`))
  await host.ok('system', 'prune', '-f')
  t.regex((await host.sh(`ip -o addr show dev mr${tag}0`)).stdout, /10\.206\.0\.1\/24/, 'the other root\'s bridge is untouched')
  await host.sh(`ip link del mr${tag}0`)

  // the table: with the other root's owner rule, refused (before the bridge is even made)
  await host.sh(`nft -f - <<'EOF'
add table ip minirun${tag}
add chain ip minirun${tag} owner
add rule ip minirun${tag} owner counter comment "minirun:${other}"
EOF`)
  const r2 = await host.mr('run', '--rm', 'busybox', 'true')
  t.regex(r2.stderr, new RegExp(`^Error: nft table ip minirun${tag} belongs to minirun root ${other}`))
  t.is(r2.stderr.trim().split('\n').length, 1)
  const prune = await host.mr('system', 'prune', '-f')
  t.regex(prune.stderr, new RegExp(`^Error: nft table ip minirun${tag} belongs to minirun root ${other}`), 'prune refuses too')
  t.regex((await host.sh(`nft list table ip minirun${tag}`)).stdout, new RegExp(`minirun:${other}`), 'the other root\'s table is untouched')
  t.is((await host.sh(`ip link show mr${tag}0`)).exitCode, 1, 'and no bridge of ours was left behind')
  await host.sh(`nft delete table ip minirun${tag}`)

  // two real roots side by side: this root's prune and rm leave the other root's container wired
  const otherRoot = path.join(host.dir, 'other')
  const env = {MINIRUN_ROOT: path.join(otherRoot, 'root'), MINIRUN_RUNTIME_DIR: path.join(otherRoot, 'run')}
  const mr2 = (...args: string[]) => host.exec([process.execPath, BIN, ...args], {env})
  t.teardown(() => mr2('rm', '-f', 'o1'))
  t.is((await mr2('run', '-d', '--name', 'o1', 'busybox', 'sleep', '600')).exitCode, 0)
  await host.ok('run', '-d', '--name', 'm1', 'busybox', 'sleep', '600')
  await host.ok('rm', '-f', 'm1')
  await host.ok('system', 'prune', '-f')
  const gw = JSON.parse((await mr2('inspect', 'o1')).stdout)[0].NetworkSettings.Gateway
  const alive = await mr2('exec', 'o1', 'ping', '-c1', '-W2', gw)
  t.is(alive.exitCode, 0, `the other root's container is still wired: ${alive.stderr}`)
  t.is((await mr2('rm', '-f', 'o1')).exitCode, 0)
  // the other root keeps its default bridge too, until its own prune
  t.is((await mr2('system', 'prune', '-f')).exitCode, 0)
  t.deepEqual(await host.leaks(), [])
})
