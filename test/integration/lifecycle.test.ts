import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {TestHost} from '../helpers/host.js'

// Issue 2: the container lifecycle in fresh namespaces, driven through the real CLI as root,
// inside a disposable host namespace.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('life')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

test.serial('the command is PID 1, the hostname is the short id, only its own processes are visible', async (t) => {
  const r = await host.mr('run', '--rm', 'busybox', 'sh', '-c', 'echo $$; hostname; ps -o pid | wc -l')
  t.is(r.exitCode, 0, r.stderr)
  const [pid, hostname, count] = r.stdout.trim().split('\n')
  t.is(pid, '1')
  t.regex(hostname, /^[0-9a-f]{12}$/)
  // header + sh + ps + wc: nothing of the host
  t.true(Number(count) <= 4, `ps saw ${count} lines`)
  t.deepEqual(await host.leaks(), [])
})

test.serial('detached httpd: ps, exec, logs, stop, rm leave nothing behind', async (t) => {
  const id = await host.ok('run', '-d', '--name', 'web', 'busybox', 'httpd', '-f', '-v', '-p', '80', '-h', '/www')
  t.regex(id, /^[0-9a-f]{64}$/)
  const ps = await host.ok('ps')
  t.regex(ps, /web/)
  t.regex(ps, /Up /)
  const page = await host.ok('exec', 'web', 'wget', '-qO-', 'http://127.0.0.1/')
  t.regex(page, /minirun/i)
  const logs = await host.mr('logs', 'web')
  t.is(logs.exitCode, 0)
  t.regex(logs.stdout + logs.stderr, /GET \/|127\.0\.0\.1/, 'httpd -v logs the request')
  const inspect = JSON.parse(await host.ok('inspect', 'web'))
  t.is(inspect[0].Name, '/web')
  t.is(inspect[0].State.Running, true)
  t.true(inspect[0].State.Pid > 1)
  t.is(inspect[0].Config.Hostname, id.slice(0, 12))
  await host.ok('stop', '-t', '1', 'web')
  t.regex(await host.ok('ps', '-a'), /Exited \(137\)/, 'httpd ignores SIGTERM as PID 1, so stop had to SIGKILL it')
  t.notRegex(await host.ok('ps'), /web/)
  await host.ok('rm', 'web')
  t.notRegex(await host.ok('ps', '-a'), /web/)
  t.deepEqual(await host.leaks(), [])
})

test.serial('none: only lo; host: the host interfaces; exit codes propagate', async (t) => {
  const none = await host.ok('run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link')
  t.deepEqual(none.split('\n').map((l) => l.split(':')[1]?.trim()), ['lo'])
  t.regex(none, /UP/)
  await host.sh('ip link add tstA type veth peer name tstB')
  t.teardown(() => host.sh('ip link del tstA'))
  const hostMode = await host.mr('run', '--rm', '--network', 'host', '-p', '18080:80', 'busybox', 'ip', '-o', 'link')
  t.regex(hostMode.stdout, /tstA/)
  t.regex(hostMode.stderr, /WARNING: Published ports are discarded when using host network mode/)
  t.is((await host.mr('run', '--rm', 'busybox', 'false')).exitCode, 1)
  t.is((await host.mr('run', '--rm', 'busybox', 'sh', '-c', 'exit 7')).exitCode, 7)
  await host.sh('ip link del tstA')
  t.deepEqual(await host.leaks(), [])
})

test.serial('two containers share the image through overlay: no copy, writes stay private', async (t) => {
  await host.ok('run', '-d', '--name', 'ov1', '--network', 'none', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'ov2', '--network', 'none', 'busybox', 'sleep', '600')
  await host.ok('exec', 'ov1', 'sh', '-c', 'echo mine > /tmp/only-in-ov1 && echo changed > /www/index.html')
  t.is((await host.mr('exec', 'ov2', 'cat', '/tmp/only-in-ov1')).exitCode, 1)
  t.notRegex(await host.ok('exec', 'ov2', 'cat', '/www/index.html'), /changed/)
  const [c1] = JSON.parse(await host.ok('inspect', 'ov1'))
  const [c2] = JSON.parse(await host.ok('inspect', 'ov2'))
  t.is(c1.GraphDriver.Data.LowerDir, c2.GraphDriver.Data.LowerDir, 'one image directory below both')
  t.notRegex(fs.readFileSync(path.join(c1.GraphDriver.Data.LowerDir, 'www/index.html'), 'utf8'), /changed/)
  const mounts = (await host.sh('cat /proc/self/mounts')).stdout.split('\n').filter((l) => l.startsWith('overlay ') && l.includes(host.root))
  t.is(mounts.length, 2)
  t.true(mounts.every((m) => m.includes(`lowerdir=${c1.GraphDriver.Data.LowerDir}`)))
  await host.ok('rm', '-f', 'ov1', 'ov2')
  t.deepEqual(await host.leaks(), [])
})

test.serial("capabilities: Docker's default bounding set, no_new_privs, no mount; --privileged can", async (t) => {
  const status = await host.ok('run', '--rm', '--network', 'none', 'busybox', 'grep', '-E', 'CapBnd|CapEff|NoNewPrivs', '/proc/self/status')
  t.regex(status, /CapBnd:\s+00000000a80425fb/)
  t.regex(status, /CapEff:\s+00000000a80425fb/)
  t.regex(status, /NoNewPrivs:\s+1/)
  const mount = await host.mr('run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'mkdir -p /mnt && mount -t tmpfs x /mnt')
  t.not(mount.exitCode, 0)
  t.regex(mount.stderr, /Operation not permitted|permission denied/i)
  const priv = await host.mr('run', '--rm', '--network', 'none', '--privileged', 'busybox', 'sh', '-c', 'mkdir -p /mnt && mount -t tmpfs x /mnt && grep CapBnd /proc/self/status')
  t.is(priv.exitCode, 0, priv.stderr)
  t.notRegex(priv.stdout, /00000000a80425fb/)
  const add = await host.ok('run', '--rm', '--network', 'none', '--cap-add', 'NET_ADMIN', '--cap-drop', 'NET_RAW', 'busybox', 'grep', 'CapBnd', '/proc/self/status')
  t.regex(add, /CapBnd:\s+00000000a80415fb/, "+net_admin (bit 12) -net_raw (bit 13)")
  t.deepEqual(await host.leaks(), [])
})

test.serial("the host's root is detached: nothing of it is mounted inside", async (t) => {
  // The chroot-escape program itself runs in isolation.test.ts (bridge, host and none modes).
  const seen = await host.mr('run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls -a /; cat /proc/self/mountinfo')
  t.notRegex(seen.stdout, /minirun-oldroot/)
  // Nothing but the container's own mounts (and Docker's masked /proc and /sys paths): the host's
  // root is mounted nowhere inside.
  const mountPoints = seen.stdout.split('\n').filter((l) => / - /.test(l)).map((l) => l.split(' ')[4])
  t.deepEqual(mountPoints.filter((m) => !/^\/(proc(\/.*)?|sys(\/firmware)?|dev(\/.*)?|etc\/(hosts|hostname|resolv\.conf))?$/.test(m)), [])
  t.deepEqual(await host.leaks(), [])
})

test.serial('volumes: -v binds a host dir, :ro is read-only', async (t) => {
  const dir = fs.mkdtempSync(path.join(host.dir, 'vol-'))
  fs.writeFileSync(path.join(dir, 'in'), 'from host')
  t.is(await host.ok('run', '--rm', '--network', 'none', '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'cat /data/in; echo back > /data/out'), 'from host')
  t.is(fs.readFileSync(path.join(dir, 'out'), 'utf8'), 'back\n')
  const ro = await host.mr('run', '--rm', '--network', 'none', '-v', `${dir}:/data:ro`, 'busybox', 'sh', '-c', 'echo x > /data/out2')
  t.not(ro.exitCode, 0)
  t.false(fs.existsSync(path.join(dir, 'out2')))
  t.deepEqual(await host.leaks(), [])
})

test.serial('env, workdir, hostname, --rm -d cleans up on exit', async (t) => {
  const out = await host.ok('run', '--rm', '--network', 'none', '-e', 'FOO=bar', '-w', '/tmp/work', '--hostname', 'box', 'busybox', 'sh', '-c', 'echo $FOO; pwd; hostname')
  t.deepEqual(out.split('\n'), ['bar', '/tmp/work', 'box'])
  const id = await host.ok('run', '-d', '--rm', '--network', 'none', 'busybox', 'true')
  // the monitor records the exit and runs cleanup: seconds under full-suite load
  for (let i = 0; i < 300 && (await host.ok('ps', '-aq')).includes(id.slice(0, 12)); i++) await new Promise((r) => setTimeout(r, 100))
  t.notRegex(await host.ok('ps', '-aq'), new RegExp(id.slice(0, 12)))
  const exited = await host.ok('run', '-d', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3')
  for (let i = 0; i < 100 && !/Exited \(3\)/.test(await host.ok('ps', '-a')); i++) await new Promise((r) => setTimeout(r, 50))
  t.regex(await host.ok('ps', '-a'), /Exited \(3\)/)
  t.is(JSON.parse(await host.ok('inspect', exited))[0].State.ExitCode, 3)
  await host.ok('rm', exited)
  // Signal dispositions start at their defaults, attached or detached (Docker's too): nothing
  // of minirun's own launch (e.g. a shell's background job ignoring SIGINT) leaks in.
  t.regex(await host.ok('run', '--rm', '--network', 'none', 'busybox', 'grep', 'SigIgn', '/proc/self/status'), /^SigIgn:\s+0+$/)
  const sigs = await host.ok('run', '-d', '--network', 'none', 'busybox', 'grep', 'SigIgn', '/proc/self/status')
  for (let i = 0; i < 100 && !/Exited/.test(await host.ok('ps', '-a')); i++) await new Promise((r) => setTimeout(r, 50))
  t.regex(await host.ok('logs', sigs), /^SigIgn:\s+0+$/)
  await host.ok('rm', sigs)
  t.deepEqual(await host.leaks(), [])
})

const badInput: Array<[string, string[], RegExp]> = [
  ['unknown image', ['run', '--rm', 'nosuchimage'], /image "nosuchimage:latest" not found/],
  ['unknown container', ['stop', 'nosuch'], /no such container: nosuch/],
  ['bad -v', ['run', '--rm', '-v', './relative:/x', 'busybox', 'true'], /volume/],
  ['bad -e', ['run', '--rm', '-e', '=v', 'busybox', 'true'], /environment|variable|env/i],
  ['unknown network mode', ['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true'], /network nosuchnet not found/],
  ['missing command', ['run', '--rm', '--network', 'none', 'busybox', 'nosuchcmd'], /executable file not found/],
  ['bad name', ['run', '--rm', '--name', 'bad name', 'busybox', 'true'], /invalid container name/],
]
for (const [title, args, msg] of badInput) {
  test.serial(`bad input is one clear line and leaves nothing: ${title}`, async (t) => {
    const r = await host.mr(...args)
    t.not(r.exitCode, 0)
    const lines = r.stderr.trim().split('\n')
    t.is(lines.length, 1, r.stderr)
    t.regex(lines[0], /^Error: /)
    t.regex(lines[0], msg)
    t.notRegex(r.stderr, /\bat .+\.js:\d+/)
    t.deepEqual(await host.leaks(), [])
  })
}

test.serial('duplicate name is refused; a name comes back with rm, or when its container is gone', async (t) => {
  await host.ok('run', '-d', '--name', 'dup', '--network', 'none', 'busybox', 'sleep', '60')
  const r = await host.mr('run', '-d', '--name', 'dup', '--network', 'none', 'busybox', 'sleep', '60')
  t.not(r.exitCode, 0)
  t.regex(r.stderr, /^Error: the container name "dup" is already in use/)
  t.is((await host.ok('ps', '-q')).split('\n').filter(Boolean).length, 1)
  await host.ok('rm', '-f', 'dup')
  const names = path.join(host.root, 'names')
  t.false(fs.existsSync(path.join(names, 'dup')), 'rm gives the name back')
  // A state dir lost without minirun (a crash, a manual rm -rf) must not keep its name taken.
  const ghost = await host.ok('run', '--name', 'ghost', '--network', 'none', 'busybox', 'true')
  t.is(ghost, '')
  fs.rmSync(path.join(host.root, 'containers', fs.readlinkSync(path.join(names, 'ghost')).split('/').pop()!), {recursive: true})
  await host.ok('run', '--rm', '--name', 'ghost', '--network', 'none', 'busybox', 'true')
  await host.ok('run', '--name', 'swept', '--network', 'none', 'busybox', 'true')
  fs.rmSync(path.join(host.root, 'containers', fs.readlinkSync(path.join(names, 'swept')).split('/').pop()!), {recursive: true})
  await host.ok('system', 'prune', '-f')
  t.deepEqual(fs.readdirSync(names), [], 'prune sweeps the names of containers that are gone')
  t.deepEqual(await host.leaks(), [])
})

test.serial('logs -f follows until the container exits; kill -s sends the signal to PID 1', async (t) => {
  await host.ok('run', '-d', '--name', 'talker', '--network', 'none', 'busybox', 'sh', '-c', 'echo first; sleep 1; echo second >&2')
  const followed = await host.mr('logs', '-f', 'talker')
  t.is(followed.exitCode, 0)
  t.is((followed.stdout + followed.stderr).trim().split('\n').join(' '), 'first second')
  await host.ok('run', '-d', '--name', 'sleeper', '--network', 'none', 'busybox', 'sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done')
  await host.ok('kill', '-s', 'TERM', 'sleeper')
  for (let i = 0; i < 100 && !/Exited \(42\)/.test(await host.ok('ps', '-a')); i++) await new Promise((r) => setTimeout(r, 50))
  t.regex(await host.ok('ps', '-a'), /Exited \(42\)/)
  t.regex((await host.mr('kill', 'sleeper')).stderr, /^Error: container sleeper is not running/)
  await host.ok('rm', 'talker', 'sleeper')
  t.deepEqual(await host.leaks(), [])
})

test.serial('--init reaps orphaned zombies and forwards SIGTERM; without it they pile up', async (t) => {
  // Orphans re-parent to PID 1; `sleep` as PID 1 never reaps them, minit does.
  const script = "for i in 1 2 3; do sh -c 'sleep 0.2 &'; done; exec sleep 600"
  const zombies = async (name: string) => Number((await host.ok('exec', name, 'sh', '-c', 'ps -o stat | grep -c Z || true')).trim())
  await host.ok('run', '-d', '--name', 'noinit', '--network', 'none', 'busybox', 'sh', '-c', script)
  await host.ok('run', '-d', '--name', 'withinit', '--init', '--network', 'none', 'busybox', 'sh', '-c', script)
  await new Promise((r) => setTimeout(r, 1500))
  t.true((await zombies('noinit')) >= 3, 'without --init the orphans stay zombies')
  t.is(await zombies('withinit'), 0)
  t.is(await host.ok('exec', 'withinit', 'cat', '/proc/1/comm'), '.minirun-init')
  // SIGTERM reaches the command through minit: 143 (not SIGKILL's 137) shows it ended on SIGTERM.
  await host.ok('stop', '-t', '20', 'withinit')
  t.is(JSON.parse(await host.ok('inspect', 'withinit'))[0].State.ExitCode, 143)
  await host.ok('rm', '-f', 'noinit', 'withinit')
  t.deepEqual(await host.leaks(), [])
})
