import test from 'ava'
import {effectiveCaps, DEFAULT_CAPS} from '../../src/containers/capabilities.js'
import {boundingSetArg, execArgv, launchArgv, stageScript, TOOLS} from '../../src/containers/launch.js'

const stage = {
  root: '/r/rootfs',
  proc: '/r/rootfs/proc',
  dev: '/r/rootfs/dev',
  sys: '/r/rootfs/sys',
  binds: [{source: '/host/data', target: '/r/rootfs/data', readOnly: true}],
  hostname: 'abc123def456',
  workdir: '/',
  privileged: false,
  tty: false,
}

test('the stage pivots into the root, detaches the old one and drops sys_admin last', (t) => {
  const s = stageScript(stage)
  const lines = s.split('\n')
  const pivot = lines.indexOf('pivot_root . .minirun-oldroot')
  t.true(pivot > 0)
  t.true(lines.indexOf('umount -l /.minirun-oldroot') > pivot)
  t.true(lines.findIndex((l) => l.startsWith('mount -t proc')) < pivot)
  t.regex(lines.at(-1)!, /^exec -a setpriv \/proc\/self\/exe --inh-caps -sys_admin --nnp -- "\$@"$/)
  t.true(s.includes('mount --rbind /host/data /r/rootfs/data'))
  t.true(s.includes('mount -o remount,bind,ro /r/rootfs/data'))
  t.true(s.includes('mount -t sysfs -o ro,'))
  t.true(s.includes('hostname abc123def456'))
})

test('privileged: writable /sys, no capability drop', (t) => {
  const s = stageScript({...stage, privileged: true})
  t.true(s.includes('mount -t sysfs -o rw,'))
  t.regex(s.split('\n').at(-1)!, /^exec "\$@"$/)
})

test('launch chain: keep sys_admin inheritable, cut the bounding set, then unshare', (t) => {
  const caps = effectiveCaps([], [], false)
  const argv = launchArgv({...stage, argv: ['sh', '-c', 'echo hi'], caps, netns: '/run/x/netns/abc'})
  t.deepEqual(argv.slice(0, 3), [TOOLS.nsenter, '--net=/run/x/netns/abc', '--'])
  t.deepEqual(argv.slice(3, 7), [TOOLS.setpriv, '--inh-caps', '+sys_admin', '--'])
  t.is(argv[8], '--bounding-set')
  t.false(argv[9].includes('sys_admin'))
  const u = argv.indexOf('unshare')
  t.deepEqual(argv.slice(u - 1, u + 6), ['/bin/busybox', 'unshare', '-f', '--pid', '--mount', '--uts', '--ipc'])
  t.deepEqual(argv.slice(-3), ['sh', '-c', 'echo hi'])
})

test('pods share UTS and IPC: joined, not unshared', (t) => {
  const argv = launchArgv({...stage, argv: ['true'], caps: DEFAULT_CAPS, netns: '/n', uts: '/proc/9/ns/uts', ipc: '/proc/9/ns/ipc'})
  t.deepEqual(argv.slice(0, 5), [TOOLS.nsenter, '--net=/n', '--uts=/proc/9/ns/uts', '--ipc=/proc/9/ns/ipc', '--'])
  t.false(argv.includes('--uts'))
  t.false(argv.includes('--ipc'))
})

test('exec enters with the host root kept, drops caps, then changes root', (t) => {
  const argv = execArgv({pid: 42, argv: ['ls'], workdir: '/tmp', caps: DEFAULT_CAPS, privileged: false})
  const first = argv.indexOf('--root=/')
  const drop = argv.indexOf('-sys_admin')
  const inner = argv.lastIndexOf('--root')
  t.true(first > 0 && drop > first && inner > drop)
  t.true(argv.includes('--wdns=/tmp'))
  t.is(argv.at(-1), 'ls')
})

test("capabilities: Docker's default set, --cap-add/--cap-drop, ALL, --privileged", (t) => {
  t.is(boundingSetArg(['chown', 'kill']), '-all,+chown,+kill')
  t.deepEqual(effectiveCaps([], [], false).sort(), [...DEFAULT_CAPS].sort())
  t.true(effectiveCaps(['NET_ADMIN'], [], false).includes('net_admin'))
  t.false(effectiveCaps([], ['CAP_NET_RAW'], false).includes('net_raw'))
  t.deepEqual(effectiveCaps(['net_bind_service'], ['ALL'], false), ['net_bind_service'])
  t.true(effectiveCaps([], [], true).includes('sys_admin'))
  t.throws(() => effectiveCaps(['NOT_A_CAP'], [], false), {message: /unknown capability "NOT_A_CAP"/})
})
