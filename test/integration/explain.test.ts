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
  t.regex(script, /^ip -batch - <<'MINIRUN_EOF'\nlink add mr[0-9a-f]{11}0 type veth peer name eth0 address [0-9a-f:]+ netns /m)
  t.regex(script, /^unshare --net=/m)
  t.regex(script, /^mount -t overlay overlay -o lowerdir=/m)
  t.regex(script, /^nft -f - <<'MINIRUN_EOF'/m)
  const ip = /^addr add (\d+\.\d+\.\d+\.\d+)\/\d+ dev eth0$/m.exec(script)?.[1]
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
