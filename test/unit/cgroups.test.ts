import test from 'ava'
import {cgroupPlan, controllersFor, procsFiles, type Layout, oomKillCount, parseLayout, planForRemoval, validateLimits} from '../../src/kernel/cgroups.js'

// The cgroup plan is pure given a layout: which hierarchy, which dirs, which files and values.

const ID = 'ab'.repeat(32)

// This machine: v1 controllers, plus a cgroup2 mount with no controllers.
const HYBRID_MOUNTS = [
  'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
  'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0',
  'cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0',
  'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
  'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
  'cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0',
  'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
  'proc /proc proc rw 0 0',
].join('\n')
const PURE_V2 = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n'

const hybrid: Layout = parseLayout(HYBRID_MOUNTS, () => '')
const v2: Layout = parseLayout(PURE_V2, () => 'cpuset cpu io memory hugetlb pids rdma misc\n')

test('parseLayout finds v1 controllers and the cgroup2 mount with its controllers', (t) => {
  t.deepEqual(hybrid.v1, {cpu: '/sys/fs/cgroup/cpu', memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids'})
  t.deepEqual(hybrid.v2, {mount: '/sys/fs/cgroup/unified', controllers: []})
  t.deepEqual(v2.v1, {})
  t.is(v2.v2?.mount, '/sys/fs/cgroup')
  t.true(v2.v2!.controllers.includes('pids'))
  // cpu and cpuacct co-mounted in one hierarchy
  const combo = parseLayout('cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0', () => '')
  t.is(combo.v1.cpu, '/sys/fs/cgroup/cpu,cpuacct')
})

test('no limits: an empty plan, nothing to join', (t) => {
  const p = cgroupPlan(ID, 'beef', {}, hybrid)
  t.is(p.version, 0)
  t.deepEqual(p.leaves, [])
  t.deepEqual(procsFiles(p).map((f) => `echo 0 > ${f}`), [])
  t.deepEqual(controllersFor({pidsLimit: -1}), [], '-1 is unlimited, as in Docker')
})

test('v1 (cgroup2 without controllers): one leaf per controller hierarchy, limit files in order', (t) => {
  const p = cgroupPlan(ID, 'beef', {memory: 32 * 1024 * 1024, pidsLimit: 50, cpus: 0.5}, hybrid)
  t.is(p.version, 1)
  t.deepEqual(p.leaves, [`/sys/fs/cgroup/memory/minirunbeef/${ID}`, `/sys/fs/cgroup/pids/minirunbeef/${ID}`, `/sys/fs/cgroup/cpu/minirunbeef/${ID}`])
  t.deepEqual(p.parents, ['/sys/fs/cgroup/memory/minirunbeef', '/sys/fs/cgroup/pids/minirunbeef', '/sys/fs/cgroup/cpu/minirunbeef'])
  t.deepEqual(
    p.writes.map((w) => `${w.file.replace(/^.*\/minirunbeef\/[0-9a-f]{64}\//, '')}=${w.value}`),
    ['memory.limit_in_bytes=33554432', 'memory.memsw.limit_in_bytes=33554432', 'pids.max=50', 'cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=50000'],
  )
  t.is(p.oomFile, `/sys/fs/cgroup/memory/minirunbeef/${ID}/memory.oom_control`)
  t.deepEqual(procsFiles(p).map((f) => `echo 0 > ${f}`), p.leaves.map((l) => `echo 0 > ${l}/cgroup.procs`))
})

test('v1: only the controllers a limit needs', (t) => {
  const p = cgroupPlan(ID, '', {pidsLimit: 50}, hybrid)
  t.deepEqual(p.leaves, [`/sys/fs/cgroup/pids/minirun/${ID}`], 'the default store has an empty tag')
  t.is(p.oomFile, undefined)
})

test('v2 first when it offers the controllers: one leaf, subtree_control on every ancestor', (t) => {
  const p = cgroupPlan(ID, 'beef', {memory: 64 * 1024 * 1024, pidsLimit: 10, cpus: 1.5}, v2)
  t.is(p.version, 2)
  t.deepEqual(p.leaves, [`/sys/fs/cgroup/minirunbeef/${ID}`])
  t.deepEqual(
    p.writes.map((w) => [w.file, w.value, w.optional ?? false]),
    [
      ['/sys/fs/cgroup/cgroup.subtree_control', '+memory +pids +cpu', false],
      ['/sys/fs/cgroup/minirunbeef/cgroup.subtree_control', '+memory +pids +cpu', false],
      [`/sys/fs/cgroup/minirunbeef/${ID}/memory.max`, '67108864', false],
      [`/sys/fs/cgroup/minirunbeef/${ID}/memory.swap.max`, '0', true],
      [`/sys/fs/cgroup/minirunbeef/${ID}/pids.max`, '10', false],
      [`/sys/fs/cgroup/minirunbeef/${ID}/cpu.max`, '150000 100000', false],
    ],
  )
  t.is(p.oomFile, `/sys/fs/cgroup/minirunbeef/${ID}/memory.events`)
})

test('v2 lacking one needed controller falls back to v1; neither has it: one clear error', (t) => {
  const partial = parseLayout(HYBRID_MOUNTS, (m) => (m.endsWith('unified') ? 'memory' : ''))
  t.is(cgroupPlan(ID, 't', {memory: 8 << 20}, partial).version, 2)
  t.is(cgroupPlan(ID, 't', {memory: 8 << 20, pidsLimit: 5}, partial).version, 1)
  const noPids = parseLayout('cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0', () => '')
  const e = t.throws(() => cgroupPlan(ID, 't', {pidsLimit: 5}, noPids))
  t.regex(e!.message, /^cannot apply --pids-limit: no cgroup hierarchy on this machine offers the pids controller/)
  t.notRegex(e!.message, /\n/)
})

test('bad limits are refused with a one-line message', (t) => {
  for (const [l, re] of [
    [{memory: 1024}, /invalid --memory 1024: the minimum is 6m/],
    [{memory: Number.NaN}, /invalid --memory/],
    [{pidsLimit: -5}, /invalid --pids-limit -5/],
    [{pidsLimit: 1.5}, /invalid --pids-limit/],
    [{cpus: 0}, /invalid --cpus 0/],
    [{cpus: -1}, /invalid --cpus/],
    [{cpus: Number.POSITIVE_INFINITY}, /invalid --cpus/],
  ] as const) {
    const e = t.throws(() => validateLimits(l), undefined, JSON.stringify(l))
    t.regex(e!.message, re)
  }
  t.notThrows(() => validateLimits({memory: 6 * 1024 * 1024, pidsLimit: -1, cpus: 0.01}))
})

test('cpu quota: never below the kernel minimum of 1 ms', (t) => {
  const p = cgroupPlan(ID, 't', {cpus: 0.01}, hybrid)
  t.is(p.writes.find((w) => w.file.endsWith('cfs_quota_us'))!.value, '1000')
})

test('oom_kill counts from memory.oom_control (v1) and memory.events (v2)', (t) => {
  t.is(oomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n'), 3)
  t.is(oomKillCount('low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n'), 1)
  t.is(oomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 0\n'), 0)
  t.is(oomKillCount(''), 0)
})

test('planForRemoval covers every hierarchy minirun might have used', (t) => {
  const p = planForRemoval(ID, 'beef', hybrid)
  t.deepEqual(p.leaves.sort(), [
    `/sys/fs/cgroup/cpu/minirunbeef/${ID}`,
    `/sys/fs/cgroup/memory/minirunbeef/${ID}`,
    `/sys/fs/cgroup/pids/minirunbeef/${ID}`,
    `/sys/fs/cgroup/unified/minirunbeef/${ID}`,
  ])
})
