import test from 'ava'
import {execFileSync} from 'node:child_process'
import {effectiveCaps, DEFAULT_CAPS} from '../../src/containers/capabilities.js'
import {execArgv, LAUNCHER, launchArgv, orderMounts} from '../../src/containers/launch.js'

const proc = {argv: ['sh', '-c', 'echo hi'], env: ['PATH=/bin', 'A=b c'], workdir: '/', caps: DEFAULT_CAPS, privileged: false, seccomp: true, tty: false, stdin: false}
const spec = {...proc, root: '/r/merged', binds: [{source: '/host/data', target: '/data', readOnly: true}], hostname: 'abc123def456'}

/** The value after each occurrence of `flag`. */
const values = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []))

test('launch: one launcher process; the command and the container env after --, nothing in its own env', (t) => {
  const argv = launchArgv({...spec, netns: '/run/x/netns/abc'})
  t.deepEqual(argv.slice(0, 4), [LAUNCHER, 'launch', '--root', '/r/merged'])
  t.deepEqual(values(argv, '--netns'), ['/run/x/netns/abc'])
  t.deepEqual(values(argv, '--env'), ['PATH=/bin', 'A=b c'])
  t.deepEqual(values(argv, '--hostname'), ['abc123def456'])
  t.is(values(argv, '--caps')[0].split(',').length, DEFAULT_CAPS.length)
  t.false(values(argv, '--caps')[0].includes('sys_admin'))
  t.deepEqual(values(argv, '--seccomp'), ['default'])
  const bind = argv.indexOf('--bind')
  t.deepEqual(argv.slice(bind, bind + 4), ['--bind', '/host/data', '/data', 'ro'])
  t.deepEqual(argv.slice(argv.indexOf('--') + 1), ['sh', '-c', 'echo hi'])
})

test('pods share UTS and IPC: joined, not made', (t) => {
  const argv = launchArgv({...spec, netns: '/n', uts: '/proc/9/ns/uts', ipc: '/proc/9/ns/ipc', hostname: undefined})
  t.deepEqual(values(argv, '--uts'), ['/proc/9/ns/uts'])
  t.deepEqual(values(argv, '--ipc'), ['/proc/9/ns/ipc'])
  t.deepEqual(values(argv, '--hostname'), [])
})

test('seccomp=unconfined and --privileged reach the launcher', (t) => {
  t.deepEqual(values(launchArgv({...spec, seccomp: false}), '--seccomp'), ['unconfined'])
  t.deepEqual(values(launchArgv({...spec, privileged: true}), '--privileged'), ['true'])
})

test("volumes mount in Docker's order: a parent before what is nested in it", (t) => {
  const m = (target: string) => ({source: `/h${target}`, target, readOnly: false})
  t.deepEqual(orderMounts([m('/m/sub/deeper'), m('/m/sub'), m('/m'), m('/etc/hosts')]).map((b) => b.target), ['/m', '/m/sub', '/etc/hosts', '/m/sub/deeper'])
})

test('exec enters by PID (checked against its start time) with the same process spec', (t) => {
  const argv = execArgv({...proc, pid: 42, pidStart: 777, argv: ['ls'], workdir: '/tmp', cgroupProcs: ['/sys/fs/cgroup/x/cgroup.procs']})
  t.deepEqual(argv.slice(0, 6), [LAUNCHER, 'exec', '--pid', '42', '--pid-start', '777'])
  t.deepEqual(values(argv, '--workdir'), ['/tmp'])
  t.deepEqual(values(argv, '--cgroup'), ['/sys/fs/cgroup/x/cgroup.procs'])
  t.is(argv.at(-1), 'ls')
})

test("capabilities: Docker's default set, --cap-add/--cap-drop, ALL, --privileged", (t) => {
  t.deepEqual(effectiveCaps([], [], false).sort(), [...DEFAULT_CAPS].sort())
  t.true(effectiveCaps(['NET_ADMIN'], [], false).includes('net_admin'))
  t.false(effectiveCaps([], ['CAP_NET_RAW'], false).includes('net_raw'))
  t.deepEqual(effectiveCaps(['net_bind_service'], ['ALL'], false), ['net_bind_service'])
  t.true(effectiveCaps([], [], true).includes('sys_admin'))
  t.throws(() => effectiveCaps(['NOT_A_CAP'], [], false), {message: /unknown capability "NOT_A_CAP"/})
})

test("the launcher's prebuilt seccomp filter is the one libseccomp builds for Docker's default capabilities", (t) => {
  const exported = (...args: string[]) => execFileSync(LAUNCHER, ['seccomp-export', ...args], {encoding: 'utf8'})
  const prebuilt = exported('--prebuilt')
  t.regex(prebuilt, /^#define PREBUILT_FILTER_KEY 1u$/m, 'seccomp on, none of the capabilities that open a syscall')
  t.true(prebuilt.split('\n').length > 500)
  t.is(exported('--caps', DEFAULT_CAPS.join(',')), prebuilt)
  t.is(exported('--caps', DEFAULT_CAPS.filter((c) => c !== 'chown').join(',')), prebuilt, 'dropping a capability the filter does not look at keeps it')
  // controls: another key builds another filter (these containers take libseccomp's path)
  const admin = exported('--caps', [...DEFAULT_CAPS, 'sys_admin'].join(','))
  t.regex(admin, /^#define PREBUILT_FILTER_KEY 5u$/m)
  t.not(admin.replace(/KEY \d+u/, ''), prebuilt.replace(/KEY \d+u/, ''))
  t.not(exported('--caps', DEFAULT_CAPS.join(','), '--seccomp', 'unconfined'), prebuilt)
})
