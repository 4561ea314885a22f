import test from 'ava'
import {XMLValidator} from 'fast-xml-parser'
import fs from 'node:fs'
import path from 'node:path'
import {TestHost} from '../helpers/host.js'

// Issue 6: --explain prints exactly what ran (a shell replays it to the same result), and the
// diagram is read back from the kernel.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('explain')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

test.serial('the commands printed by run --explain, replayed by a shell in a fresh host, serve the same page', async (t) => {
  const r = await host.mr('run', '--explain', '-d', '--name', 'ex', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  t.is(r.exitCode, 0, r.stderr)
  const script = r.stderr
  for (const ph of ['image', 'netns', 'driver', 'launch']) t.regex(script, new RegExp(`^# ── ${ph}`, 'm'))
  t.regex(script, /^ip -batch - <<'?MINIRUN_EOF'?\nlink add mr[0-9a-f]{11}0 type veth peer name eth0 address [0-9a-f:]+ netns \$NS$/m)
  t.regex(script, /^C=\S+\/containers\/[0-9a-f]{64}$/m, 'the container dir is a variable')
  t.true(script.split('\n').every((l) => l.length <= 200 || !l.startsWith('/')), 'long commands are wrapped')
  t.regex(script, /^unshare --net=/m)
  t.regex(script, /^mount -t overlay overlay -o lowerdir=/m)
  t.regex(script, /^nft -f - <<'MINIRUN_EOF'/m)
  const ip = /^addr add (\d+\.\d+\.\d+\.\d+)\/\d+ dev eth0( brd \+)?$/m.exec(script)?.[1]
  t.truthy(ip)
  await host.ok('rm', '-f', 'ex')
  t.deepEqual(await host.leaks(), [])

  // A fresh host namespace, no minirun involved: only the printed commands.
  const fresh = await TestHost.create('replay')
  t.teardown(() => fresh.close())
  const file = path.join(fresh.dir, 'replay.sh')
  // Fresh names: the container's state and namespace paths move to the new host's store
  // (the image below stays where it is, read-only).
  const replayed = script.split(`${host.root}/containers`).join(`${fresh.root}/containers`).split(host.runtime).join(fresh.runtime)
  fs.writeFileSync(file, `set -e\n${replayed}\n`)
  const replay = await fresh.exec(['bash', file])
  t.is(replay.exitCode, 0, replay.stderr)
  let page = ''
  for (let i = 0; i < 50 && !page; i++) {
    page = (await fresh.sh(`curl -s --max-time 2 http://${ip}/`)).stdout
    if (!page) await new Promise((res) => setTimeout(res, 100))
  }
  t.regex(page, /minirun/i)
})

test.serial('network create, two named containers and a pod: every step explained, and the transcript replays', async (t) => {
  const parts: string[] = []
  const explained = async (...args: string[]) => {
    const file = path.join(host.dir, `part${parts.length}.sh`)
    const r = await host.mr(args[0], ...(args[0] === 'network' || args[0] === 'pod' ? [args[1], `--explain=${file}`, ...args.slice(2)] : [`--explain=${file}`, ...args.slice(1)]))
    t.is(r.exitCode, 0, r.stderr)
    t.notRegex(r.stderr, /^# /m, '--explain=FILE writes to the file, not stderr')
    parts.push(fs.readFileSync(file, 'utf8'))
    return parts.at(-1)!
  }
  const created = await explained('network', 'create', 'lesson')
  t.regex(created, /^# ── network: create lesson/m)
  t.regex(created, /^link add \S+ type bridge$/m, 'the bridge is made at network create')
  const lessonGw = JSON.parse(await host.ok('network', 'inspect', 'lesson'))[0].IPAM.Config[0].Gateway as string
  t.is((await host.sh('ip -o link show type bridge')).exitCode, 0)
  await explained('run', '-d', '--name', 'alpha', '--network', 'lesson', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const second = await explained('run', '-d', '--name', 'beta', '--network', 'lesson', 'busybox', 'sleep', '600')
  t.regex(second, /^# already set: bridge /m, 'steps already in place are shown as comments')
  t.regex(second, /^# ── names: /m)
  t.regex(second, /^cat >[\s\\]*\S+\/dns\/lesson\/hosts\/[0-9a-f]{64}[\s\\]*<<'EOF'\n\S+\tbeta /m, "the network's resolver learns beta")
  const pod = await explained('pod', 'create', '--name', 'lpod')
  t.regex(pod, /^# ── pod: lpod/m)
  t.regex(pod, /pause container lpod-infra/)
  const infra = await host.ok('inspect', '-f', '{{.Id}}', 'lpod-infra')
  const kept = fs.readFileSync(path.join(host.root, 'containers', infra, 'explain.sh'), 'utf8')
  t.true(kept.length > 0 && pod.endsWith(kept), 'the transcript is kept with the pause container (the live page shows it)')
  const member = await explained('run', '-d', '--pod', 'lpod', '--name', 'lweb', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  t.regex(member, /joins lpod-infra's \(the pause container of pod lpod\)/)
  const alphaIp = (await host.ok('inspect', 'alpha')).match(/"IPAddress": "(172\.\d+\.\d+\.\d+)"/)![1]
  const podIp = (await host.ok('inspect', 'lpod-infra')).match(/"IPAddress": "(172\.\d+\.\d+\.\d+)"/)![1]
  const rmOut = await host.mr('rm', '--explain', '-f', 'alpha', 'beta')
  t.is(rmOut.exitCode, 0, rmOut.stderr)
  await host.ok('pod', 'rm', '-f', 'lpod')
  const removed = await host.mr('network', 'rm', '--explain', 'lesson')
  t.regex(removed.stderr, /^# ── network: remove lesson/m)
  t.regex(removed.stderr, /^ip link del dev \S+$/m)
  t.deepEqual(await host.leaks(), [])

  const fresh = await TestHost.create('replay2')
  t.teardown(() => fresh.close())
  const file = path.join(fresh.dir, 'replay.sh')
  const replayed = parts.join('\n').split(`${host.root}/containers`).join(`${fresh.root}/containers`).split(host.runtime).join(fresh.runtime)
  fs.writeFileSync(file, replayed)
  const replay = await fresh.exec(['bash', '-e', file])
  t.is(replay.exitCode, 0, replay.stderr)
  const get = async (ip: string) => {
    for (let i = 0; i < 50; i++) {
      const page = (await fresh.sh(`curl -s --max-time 2 http://${ip}/`)).stdout
      if (page) return page
      await new Promise((res) => setTimeout(res, 100))
    }
    return ''
  }
  t.regex(await get(alphaIp), /minirun/i, 'alpha serves on the replayed user network')
  t.regex(await get(podIp), /minirun/i, "the pod member serves on its pause container's address")
  // the replayed resolver of the network answers beta's name (asked from the host, as it may)
  const answer = await fresh.sh(`busybox nslookup beta ${lessonGw}`)
  t.regex(answer.stdout, /^Name:\s+beta\S*\nAddress: 172\./m, 'the replayed resolver names beta')
})

test.serial('network diagram: both veth pairs with ifindexes that match ip -o link on both sides', async (t) => {
  await host.ok('run', '-d', '--name', 'd1', '-p', '18097:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  await host.ok('run', '-d', '--name', 'd2', 'busybox', 'sleep', '600')
  const text = await host.ok('network', 'diagram', '--format', 'text')
  t.true(text.split('\n').every((l) => [...l].length <= 80), 'fits 80 columns')
  for (const name of ['d1', 'd2']) {
    const inside = await host.ok('exec', name, 'ip', '-o', 'link', 'show', 'eth0')
    const [, ctrIndex, hostIndex] = /^(\d+): eth0@if(\d+):/.exec(inside)!
    const hostSide = (await host.sh(`ip -o link | grep "^${hostIndex}: "`)).stdout
    const hostName = /^\d+: ([^@:]+)@if(\d+)/.exec(hostSide)!
    t.is(hostName[2], ctrIndex)
    t.true(text.includes(`${hostName[1]}@if${ctrIndex} <-> eth0@if${hostIndex}`), `${hostName[1]}@if${ctrIndex} <-> eth0@if${hostIndex} in\n${text}`)
    t.regex(text, new RegExp(`^│[\\s│]+${name} \\(172\\.17\\.0\\.\\d+`, 'm'))
  }
  t.regex(text, /0\.0\.0\.0:18097->80\/tcp/)
  t.regex(text, /bridge \S+ 172\.17\.0\.1\/16/)
  const dot = await host.ok('network', 'diagram', '--format', 'dot')
  t.regex(dot, /^graph minirun \{/)
  const svg = await host.ok('network', 'diagram', '--format', 'svg')
  t.is(XMLValidator.validate(svg), true)
  t.regex(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  for (const s of ['d1', 'd2', 'bridge ']) t.true(svg.includes(s))
  await host.ok('rm', '-f', 'd1', 'd2')
  t.deepEqual(await host.leaks(), [])
})

test.serial('network diagram is truthful: per-network IPs, host/none/pod shown, unknown network is an error', async (t) => {
  await host.ok('network', 'create', '--subnet', '10.77.0.0/24', 'dnet')
  await host.ok('run', '-d', '--name', 'two', '-p', '18096:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  await host.ok('network', 'connect', 'dnet', 'two')
  await host.ok('run', '-d', '--name', 'hostc', '--network', 'host', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'nonec', '--network', 'none', 'busybox', 'sleep', '600')
  await host.ok('pod', 'create', '--name', 'dpod')
  await host.ok('run', '-d', '--pod', 'dpod', '--name', 'dmember', 'busybox', 'sleep', '600')
  // a macvlan child on its parent (a veth end, as in macvlan.test.ts)
  await host.peer({hostIf: 'lanD', peerIf: 'lanDp', peerAddr: '192.168.66.9/24'})
  await host.ok('network', 'create', '-d', 'macvlan', '--subnet', '192.168.66.0/24', '-o', 'parent=lanD', 'mvnet')
  await host.ok('run', '-d', '--name', 'mvc', '--network', 'mvnet', 'busybox', 'sleep', '600')
  const text = await host.ok('network', 'diagram')
  t.regex(text, /├── macvlan parent lanD \[network mvnet\]/)
  t.regex(text, /macvlan eth0@if\d+ \(mac [0-9a-f:]+\)\n│\s+mvc \(192\.168\.66\.2/)
  t.true(text.split('\n').every((l) => [...l].length <= 80), 'fits 80 columns')
  t.regex(text, /two \(172\.17\.0\.\d+/, 'bridge address on the default bridge')
  t.regex(text, /two \(10\.77\.0\.2/, "dnet's own address on dnet")
  t.regex(text, /0\.0\.0\.0:18096->80\/tcp/, 'the port is not cut off')
  t.regex(text, /hostc \[host\]/)
  t.regex(text, /nonec \[none\]/)
  t.regex(text, /dpod-infra \(172\.17\.0\.\d+, pod dpod, shared by dmember\)/)
  const dot = await host.ok('network', 'diagram', '--format', 'dot')
  t.regex(dot, /rankdir=LR; size="16,9"/)
  t.regex(dot, /label="two\\n\(10\.77\.0\.2/)
  t.regex(dot, /subgraph cluster_net/)
  const svg = await host.ok('network', 'diagram', '--format', 'svg')
  t.is(XMLValidator.validate(svg), true)
  for (const s of ['data-container="hostc"', 'data-container="nonec"', 'data-container="dmember"', 'pod dpod', 'uplink', '127.0.0.1', 'data-port="18096/tcp"', 'marker-end', 'macvlan parent lanD', 'data-container="mvc"']) t.true(svg.includes(s), s)
  t.regex(svg, /<line [^>]*class="link" data-link="lanD" stroke-dasharray="8 5"\/>/, 'the macvlan child hangs on its parent, dashed')
  if (process.env.MINIRUN_WRITE_DOCS) fs.writeFileSync(new URL('../../../docs/topology.svg', import.meta.url), svg)
  const missing = await host.mr('network', 'diagram', 'nosuch')
  t.not(missing.exitCode, 0)
  t.regex(missing.stderr, /^Error: network nosuch not found/)
  await host.ok('rm', '-f', 'two', 'hostc', 'nonec', 'mvc')
  await host.ok('pod', 'rm', '-f', 'dpod')
  await host.ok('network', 'rm', 'dnet', 'mvnet')
  t.deepEqual(await host.leaks(), [])
})
