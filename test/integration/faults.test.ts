import test from 'ava'
import {execa} from 'execa'
import fs from 'node:fs'
import {tagOf} from '../../src/state/paths.js'
import {listCgroupIds} from '../../src/kernel/cgroups.js'
import {BIN, sleep, TestHost} from '../helpers/host.js'

// Issue 7: crash safety and concurrency. minirun is SIGKILLed at random points of `run -d -p`
// on the bridge (and the containers it managed to start are killed too, as a crash of the
// whole machine's minirun processes would); `system prune` must then find every orphan —
// records, state dirs, overlay mounts, netns files, veths, nft map elements, IP leases — and
// the port must work again. Then 50 parallel `run -d` and 50 parallel `rm -f`.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('faults')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const KILLS = 110
const BATCH = 10
const BASE_PORT = 18110

/** host.leaks() plus what it does not look at: nft map elements, leftover state dirs, pods. */
async function orphans(): Promise<string[]> {
  const out = await host.leaks()
  const ruleset = (await host.sh('/usr/sbin/nft list ruleset')).stdout
  // a map element looks like `18110 : 172.17.0.2 . 80` (or with a comment naming its owner)
  for (const m of ruleset.matchAll(/elements = \{([^}]*)\}/g)) out.push(`nft elements: ${m[1].replace(/\s+/g, ' ').trim()}`)
  for (const d of ['tmp']) {
    const p = `${host.root}/${d}`
    if (fs.existsSync(p)) out.push(...fs.readdirSync(p).map((f) => `${d}/${f}`))
  }
  const tag = tagOf(host.root)
  out.push(...(await listCgroupIds(tag)).map((id) => `cgroup: ${id.slice(0, 12)}`))
  const runDir = `${host.runtime}/containers`
  if (fs.existsSync(runDir)) out.push(...fs.readdirSync(runDir).map((f) => `runtime dir: ${f}`))
  return out
}

async function runAndKill(port: number, delay: number): Promise<{killed: boolean; exitCode?: number; stderr: string}> {
  const child = execa('nsenter', ['-t', String(host.pid), '-n', '-m', '--', process.execPath, BIN, 'run', '-d', '-p', `${port}:80`, '--pids-limit', '100', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www'], {
    env: host.env(),
    reject: false,
    detached: true,
    stdin: 'ignore',
  })
  let killed = false
  const timer = setTimeout(() => {
    killed = true
    try {
      process.kill(-child.pid!, 'SIGKILL') // the minirun process and the tools it is running now
    } catch {}
  }, delay)
  const res = await child
  clearTimeout(timer)
  return {killed: killed && res.signal === 'SIGKILL', exitCode: res.exitCode, stderr: String(res.stderr ?? '')}
}

test.serial(`SIGKILL at ${KILLS} random points of run -d -p, then system prune: zero orphans, the port works again`, async (t) => {
  t.timeout(240_000)
  // warm up: the bridge, the nft table and the image exist before the first kill
  await host.ok('run', '--rm', 'busybox', 'true')
  let kills = 0
  let finished = 0
  let found = 0
  const unexpected: string[] = []
  for (let i = 0; kills < KILLS; i++) {
    const port = BASE_PORT + (i % BATCH)
    // a run -d now takes ~0.25-0.5 s here: kill points within that, so most land mid-run
    const r = await runAndKill(port, Math.floor(Math.random() * 500))
    if (r.killed) kills++
    else if (r.exitCode === 0) finished++
    else unexpected.push(`run #${i}: exit ${r.exitCode}: ${r.stderr.trim()}`)
    host.crashContainers()
    if (i % BATCH === BATCH - 1) {
      const p = await host.mr('system', 'prune', '-f')
      if (p.exitCode !== 0) unexpected.push(`prune after run #${i}: ${p.stderr.trim()}`)
      found += p.stdout.split('\n').filter((l) => l.startsWith('  ')).length
    }
    if (i > KILLS * 5) break
  }
  t.log(`${kills} runs killed, ${finished} finished before their kill; prune removed ${found} orphaned objects`)
  t.true(kills >= KILLS)
  t.deepEqual(unexpected, [], 'no error other than killed runs')
  const prune = await host.mr('system', 'prune', '-f')
  t.is(prune.exitCode, 0, prune.stderr)
  t.is((await host.ok('ps', '-aq')).trim(), '', 'no container records')
  t.deepEqual(await orphans(), [])
  // a fresh run -p on the same port works
  await host.ok('run', '-d', '--name', 'after', '-p', `${BASE_PORT}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const curl = await host.sh(`curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:${BASE_PORT}/`)
  t.regex(curl.stdout, /minirun/i, curl.stderr)
  await host.ok('rm', '-f', 'after')
  t.deepEqual(await orphans(), [])
})

test.serial('50 parallel run -d and 50 parallel rm -f: no duplicate IP, name or port; zero orphans', async (t) => {
  t.timeout(240_000)
  const N = 50
  const runs = await Promise.all(Array.from({length: N}, () => host.mr('run', '-d', '-p', '80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')))
  const failed = runs.filter((r) => r.exitCode !== 0).map((r) => r.stderr.trim())
  t.deepEqual(failed, [], 'every run succeeded')
  const ids = runs.filter((r) => r.exitCode === 0).map((r) => r.stdout.trim())
  t.is(new Set(ids).size, ids.length)
  const info = JSON.parse(await host.ok('inspect', ...ids)) as Array<{Name: string; State: {Running: boolean}; NetworkSettings: {IPAddress: string; Ports: Record<string, Array<{HostPort: string}>>}}>
  const names = info.map((c) => c.Name)
  const ips = info.map((c) => c.NetworkSettings.IPAddress)
  const ports = info.map((c) => c.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort)
  t.is(new Set(names).size, N, 'names are unique')
  t.is(new Set(ips).size, N, `IPs are unique: ${ips.join(' ')}`)
  t.true(ips.every((ip) => /^172\.17\.\d+\.\d+$/.test(ip)))
  t.is(new Set(ports).size, N, `host ports are unique: ${ports.join(' ')}`)
  t.true(info.every((c) => c.State.Running))
  // every published port answers, each with its own container behind it
  const sample = ports.slice(0, 5)
  for (const p of sample) t.regex((await host.sh(`curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:${p}/`)).stdout, /minirun/i, `port ${p}`)
  const rms = await Promise.all(ids.map((id) => host.mr('rm', '-f', id)))
  t.deepEqual(rms.filter((r) => r.exitCode !== 0).map((r) => r.stderr.trim()), [])
  t.is((await host.ok('ps', '-aq')).trim(), '')
  await sleep(200)
  t.deepEqual(await orphans(), [])
  const prune = await host.ok('system', 'prune', '-f')
  t.regex(prune, /Nothing to prune/, 'rm -f left nothing for prune to find')
})
