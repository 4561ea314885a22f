import test from 'ava'
import {execa} from 'execa'
import {randomBytes} from 'node:crypto'
import {tagOf} from '../../src/state/paths.js'
import fs from 'node:fs'
import {cgroupPlan, createCgroups, procsFiles, listCgroupIds, oomKilled, planForRemoval, removeCgroups} from '../../src/kernel/cgroups.js'
import {sleep, TestHost} from '../helpers/host.js'

// Issue 7: resource limits with cgroups (--pids-limit, --memory, --cpus), OOMKilled in
// inspect, `stop` of a PID 1 that ignores SIGTERM, and --init reaping zombies.
// The first test drives src/kernel/cgroups.ts directly on this machine's cgroups; the others
// go through the CLI.

let host: TestHost
let tag = ''
test.before(async () => {
  host = await TestHost.create('limits')
  tag = tagOf(host.root)
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
  for (const id of await listCgroupIds(tag)) await removeCgroups(planForRemoval(id, tag))
})

/** host.leaks() plus cgroups of this store that outlived their container. */
async function leaks(): Promise<string[]> {
  return [...(await host.leaks()), ...(await listCgroupIds(tag)).map((id) => `cgroup: ${id.slice(0, 12)}`)]
}

const inspect = async (ref: string) => JSON.parse(await host.ok('inspect', ref))[0]

async function waitExited(ref: string, ms = 20_000): Promise<any> {
  const until = Date.now() + ms
  for (;;) {
    const c = await inspect(ref)
    if (c.State.Status === 'exited' || Date.now() > until) return c
    await sleep(100)
  }
}

/** PIDs whose PID namespace is that of `pid` (the container's processes, seen from the host). */
function pidsInNamespaceOf(pid: number): number[] {
  const ns = fs.readlinkSync(`/proc/${pid}/ns/pid`)
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readlinkSync(`/proc/${d}/ns/pid`) === ns
      } catch {
        return false
      }
    })
    .map(Number)
}

test.serial('cgroups.ts on this machine: create, join from a shell, OOM kill counted, remove', async (t) => {
  const myTag = `t${randomBytes(2).toString('hex')}`
  const id = randomBytes(32).toString('hex')
  const plan = cgroupPlan(id, myTag, {memory: 16 * 1024 * 1024, pidsLimit: 20, cpus: 0.5})
  t.teardown(async () => {
    await removeCgroups(planForRemoval(id, myTag))
  })
  await createCgroups(plan)
  t.deepEqual(await listCgroupIds(myTag), [id])
  // the shell joins its cgroups, then tries to hold 64 MB in a variable: the OOM killer ends it
  const script = [...procsFiles(plan).map((f) => `echo 0 > ${f}`), 'x=$(head -c 64m /dev/zero | tr "\\0" a)', 'echo survived']
  const r = await execa('sh', ['-c', script.join('\n')], {reject: false})
  t.is(r.signal, 'SIGKILL', `${r.stdout} ${r.stderr}`)
  t.notRegex(String(r.stdout), /survived/)
  t.true(await oomKilled(plan))
  // pids.max holds: 30 background sleeps in a 20-task cgroup
  const p = await execa('sh', ['-c', [...procsFiles(plan).map((f) => `echo 0 > ${f}`), 'n=0; for i in $(seq 30); do sleep 5 2>/dev/null & done 2>/dev/null; jobs -p | wc -l; kill $(jobs -p) 2>/dev/null; true'].join('\n')], {reject: false})
  t.true(Number(String(p.stdout).trim()) < 20, `started ${p.stdout}`)
  await sleep(100)
  t.deepEqual(await removeCgroups(plan), [])
  t.deepEqual(await removeCgroups(plan), [], 'idempotent')
  t.deepEqual(await listCgroupIds(myTag), [])
  for (const leaf of plan.leaves) t.false(fs.existsSync(leaf))
})

test.serial('--pids-limit 50: a fork bomb is contained, the host can still fork', async (t) => {
  // Guard first (never run a real fork bomb unlimited): the limit must be in the kernel.
  await host.ok('run', '-d', '--name', 'guard', '--network', 'none', '--pids-limit', '50', 'busybox', 'sleep', '600')
  const gpid = (await inspect('guard')).State.Pid as number
  const pidsCg = /^\d+:pids:(.*)$/m.exec(fs.readFileSync(`/proc/${gpid}/cgroup`, 'utf8'))?.[1]
  const v2Cg = /^0::(.*)$/m.exec(fs.readFileSync(`/proc/${gpid}/cgroup`, 'utf8'))?.[1]
  const max = [pidsCg && `/sys/fs/cgroup/pids${pidsCg}/pids.max`, v2Cg && `/sys/fs/cgroup/unified${v2Cg}/pids.max`]
    .filter((f): f is string => !!f && fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8').trim())
  await host.ok('rm', '-f', 'guard')
  if (!max.includes('50')) {
    t.fail(`--pids-limit 50 is not in the container's cgroup (pids.max: ${max.join(', ') || 'none'}); fork bomb not run`)
    return
  }
  await host.ok('run', '-d', '--name', 'bomb', '--network', 'none', '--pids-limit', '50', 'busybox', 'sh', '-c', 'b() { b | b & }; b; sleep 600')
  await sleep(3000)
  const c = await inspect('bomb')
  t.is(c.HostConfig.PidsLimit, 50)
  const n = c.State.Pid ? pidsInNamespaceOf(c.State.Pid).length : 0
  t.true(n <= 50, `${n} processes in the container`)
  t.is((await host.mr('run', '--rm', '--network', 'none', 'busybox', 'true')).exitCode, 0, 'the host still starts containers')
  await host.ok('rm', '-f', 'bomb')
  t.deepEqual(await leaks(), [])
})

test.serial('--memory 32m: a memory hog is OOM-killed, exit 137, inspect shows OOMKilled', async (t) => {
  t.teardown(() => host.mr('rm', '-f', 'hog', 'fine', 'hogd'))
  const r = await host.mr('run', '--name', 'hog', '--network', 'none', '--memory', '32m', 'busybox', 'sh', '-c', 'x=$(head -c 200m /dev/zero | tr "\\0" a); echo survived')
  t.is(r.exitCode, 137, r.stderr + r.stdout)
  t.notRegex(r.stdout, /survived/)
  const c = await inspect('hog')
  t.is(c.State.OOMKilled, true)
  t.is(c.State.ExitCode, 137)
  t.is(c.HostConfig.Memory, 32 * 1024 * 1024)
  // within the limit, the same container kind works and is not marked
  const ok = await host.mr('run', '--name', 'fine', '--network', 'none', '--memory', '32m', 'busybox', 'sh', '-c', 'x=$(head -c 4m /dev/zero | tr "\\0" a); echo ${#x}')
  t.is(ok.stdout.trim(), String(4 * 1024 * 1024), ok.stderr)
  t.is((await inspect('fine')).State.OOMKilled, false)
  // detached, the supervisor's cleanup must record it too
  await host.ok('run', '-d', '--name', 'hogd', '--network', 'none', '-m', '32m', 'busybox', 'sh', '-c', 'x=$(head -c 200m /dev/zero | tr "\\0" a); echo survived')
  const d = await waitExited('hogd')
  t.is(d.State.ExitCode, 137, `${JSON.stringify(d.State)} logs: ${await host.ok('logs', 'hogd')}`)
  t.is(d.State.OOMKilled, true)
  await host.ok('rm', 'hog', 'fine', 'hogd')
  t.deepEqual(await leaks(), [])
})

test.serial('--cpus 0.5: a busy loop gets about half a CPU', async (t) => {
  t.teardown(() => host.mr('rm', '-f', 'spin'))
  await host.ok('run', '-d', '--name', 'spin', '--network', 'none', '--cpus', '0.5', 'busybox', 'sh', '-c', 'while :; do :; done')
  const pid = (await inspect('spin')).State.Pid as number
  const ticks = () => {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
    return Number(f[11]) + Number(f[12]) // utime + stime, in clock ticks (100/s)
  }
  const t0 = ticks()
  const w0 = Date.now()
  await sleep(3000)
  const cpu = (ticks() - t0) / 100
  const wall = (Date.now() - w0) / 1000
  t.log(`${cpu.toFixed(2)} s of CPU in ${wall.toFixed(2)} s`)
  t.true(cpu > 0.1 * wall, 'it ran')
  t.true(cpu < 0.65 * wall, `used ${cpu} s in ${wall} s`)
  t.is((await inspect('spin')).HostConfig.NanoCpus, 500_000_000)
  await host.ok('rm', '-f', 'spin')
  t.deepEqual(await leaks(), [])
})

test.serial('bad limits are one-line errors', async (t) => {
  for (const args of [['--memory', 'abc'], ['--memory', '1k'], ['--pids-limit', 'x'], ['--cpus', '0'], ['--cpus', 'lots'], ['--cpus', '-1']]) {
    const r = await host.mr('run', '--rm', '--network', 'none', ...args, 'busybox', 'true')
    t.not(r.exitCode, 0, args.join(' '))
    t.regex(r.stderr, /^Error: [^\n]+\n?$/, args.join(' '))
  }
  t.deepEqual(await leaks(), [])
})

test.serial('stop: SIGTERM, then SIGKILL after -t, even when PID 1 ignores SIGTERM', async (t) => {
  t.teardown(() => host.mr('rm', '-f', 'stubborn', 'polite'))
  await host.ok('run', '-d', '--name', 'stubborn', '--network', 'none', 'busybox', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.2; done')
  await host.ok('run', '-d', '--name', 'polite', '--network', 'none', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.2; done')
  let t0 = Date.now()
  await host.ok('stop', '-t', '2', 'stubborn')
  const took = Date.now() - t0
  t.true(took >= 1900 && took < 9000, `stop took ${took} ms`)
  t.is((await inspect('stubborn')).State.ExitCode, 137)
  t0 = Date.now()
  await host.ok('stop', '-t', '10', 'polite')
  t.true(Date.now() - t0 < 5000, 'a PID 1 that handles SIGTERM stops at once')
  t.is((await inspect('polite')).State.ExitCode, 0)
  await host.ok('rm', 'stubborn', 'polite')
  t.deepEqual(await leaks(), [])
})

test.serial('--init reaps the zombies of orphans; without it they stay', async (t) => {
  // PID 1 starts children that fork a grandchild and exit: the grandchildren re-parent to PID 1
  // and become zombies when they end, unless PID 1 reaps them.
  // (the grandchildren outlive the loop by far: if one ended while sh still ran, sh would reap it)
  const script = "for i in 1 2 3 4 5; do sh -c 'sleep 1 &'; done; exec sleep 600"
  const zombies = async (name: string) => {
    const pid = (await inspect(name)).State.Pid as number
    return pidsInNamespaceOf(pid).filter((p) => {
      try {
        const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8')
        return s.slice(s.lastIndexOf(')') + 2).startsWith('Z')
      } catch {
        return false
      }
    }).length
  }
  t.teardown(() => host.mr('rm', '-f', 'plain', 'inited'))
  await host.ok('run', '-d', '--name', 'plain', '--network', 'none', 'busybox', 'sh', '-c', script)
  await host.ok('run', '-d', '--name', 'inited', '--init', '--network', 'none', 'busybox', 'sh', '-c', script)
  await sleep(3000)
  t.true((await zombies('plain')) >= 5, 'without --init the orphans stay zombies')
  t.is(await zombies('inited'), 0, 'with --init they are reaped')
  await host.ok('rm', '-f', 'plain', 'inited')
  t.deepEqual(await leaks(), [])
})
