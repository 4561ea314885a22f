import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, TestHost} from '../helpers/host.js'

// Issue 14: volumes as Docker scripts use them. Binds whose source is missing, named and
// anonymous volumes, --mount, the volume commands; every test leaves no kernel state behind.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('vol')
})
test.after.always(async () => {
  await host?.close()
})
test.afterEach.always(async () => {
  await host.clear()
})

const mr = (args: string[], input = '') => host.exec([process.execPath, BIN, ...args], {input})
const vols = () => path.join(host.root, 'volumes')

test.serial('-v /missing/dir:/data creates the host directory (Docker); a failed run removes it again', async (t) => {
  const dir = path.join(host.dir, 'made', 'deep')
  t.is(await host.ok('run', '--rm', '--network', 'none', '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'echo hi > /data/f; cat /data/f'), 'hi')
  t.is(fs.readFileSync(path.join(dir, 'f'), 'utf8'), 'hi\n')
  const other = path.join(host.dir, 'never', 'made')
  const r = await host.mr('run', '--rm', '--network', 'none', '-v', `${other}:/data`, 'busybox', 'nosuchcmd')
  t.is(r.exitCode, 127)
  t.false(fs.existsSync(path.join(host.dir, 'never')), 'the directories of a failed run are removed')
  const v = await host.mr('run', '--rm', '--network', 'none', '-v', 'fresh:/data', 'busybox', 'nosuchcmd')
  t.is(v.exitCode, 127)
  t.is(await host.ok('volume', 'ls', '-q'), '', 'nor the volume a failed run made')
  t.deepEqual(await host.leaks(), [])
})

test.serial('a named volume is made on first use, copied up from the image, and survives its container', async (t) => {
  // busybox has /www/index.html: an empty new volume at /www gets it (Docker's copy-up)
  t.regex(await host.ok('run', '--name', 'w1', '--network', 'none', '-v', 'site:/www', 'busybox', 'sh', '-c', 'cat /www/index.html; echo mine > /www/mine'), /Hello from minirun/)
  await host.ok('rm', 'w1')
  t.is(await host.ok('volume', 'ls', '-q'), 'site')
  t.is(await host.ok('run', '--rm', '--network', 'none', '-v', 'site:/data:ro', 'busybox', 'cat', '/data/mine'), 'mine')
  const st = fs.statSync(path.join(vols(), 'site', '_data', 'index.html'))
  t.is(st.mode & 0o777, 0o644)
  t.is(st.uid, 0)
  // not empty any more: no second copy-up over the user's files
  await host.ok('run', '--rm', '--network', 'none', '-v', 'site:/www', 'busybox', 'rm', '/www/index.html')
  t.is(await host.ok('run', '--rm', '--network', 'none', '-v', 'site:/www', 'busybox', 'ls', '/www'), 'mine')
  t.is(await host.ok('volume', 'rm', 'site'), 'site')
  t.deepEqual(await host.leaks(), [])
})

test.serial("copy-up never follows the image's symlinks out of it and skips device nodes", async (t) => {
  // an image whose /data holds links to the host's /etc and a device node
  const src = path.join(host.dir, 'img')
  fs.mkdirSync(path.join(src, 'data', 'sub'), {recursive: true})
  fs.mkdirSync(path.join(src, 'bin'))
  fs.copyFileSync('/bin/busybox', path.join(src, 'bin', 'busybox'))
  fs.symlinkSync('busybox', path.join(src, 'bin', 'sh'))
  fs.symlinkSync('busybox', path.join(src, 'bin', 'ls'))
  fs.symlinkSync('/etc', path.join(src, 'data', 'etc'))
  fs.mkdirSync(path.join(src, 'etc'))
  fs.writeFileSync(path.join(src, 'etc', 'marker'), 'image')
  fs.symlinkSync('/etc', path.join(src, 'lnk'))
  // a missing directory, then ".." above the root: was resolved as the host's /etc
  fs.symlinkSync('/nope/../../../../../../../../../../../etc', path.join(src, 'gone'))
  fs.symlinkSync('../../../../../etc/passwd', path.join(src, 'data', 'sub', 'pw'))
  fs.writeFileSync(path.join(src, 'data', 'sub', 'x'), 'x')
  fs.chmodSync(path.join(src, 'data', 'sub', 'x'), 0o640)
  t.is((await host.sh(`mknod ${path.join(src, 'data', 'null')} c 1 3 && tar -C ${src} -cf ${host.dir}/img.tar .`)).exitCode, 0)
  await host.ok('image', 'import', `${host.dir}/img.tar`, 'links:1')
  await host.ok('run', '--rm', '--network', 'none', '-v', 'lv:/data', 'links:1', '/bin/ls', '/data')
  const data = path.join(vols(), 'lv', '_data')
  t.is(fs.readlinkSync(path.join(data, 'etc')), '/etc', 'a link is copied as a link')
  t.is(fs.readlinkSync(path.join(data, 'sub', 'pw')), '../../../../../etc/passwd')
  t.false(fs.existsSync(path.join(data, 'passwd')))
  t.false(fs.existsSync(path.join(data, 'null')), 'no device node')
  t.is(fs.statSync(path.join(data, 'sub', 'x')).mode & 0o777, 0o640)
  // a destination that is a link to /etc is resolved inside the image: its own /etc, not the host's
  await host.ok('run', '--rm', '--network', 'none', '-v', 'lv2:/lnk', 'links:1', '/bin/ls', '/lnk')
  // (minirun's /etc/hosts, hostname, resolv.conf are then mounted in it, as Docker does)
  const got = fs.readdirSync(path.join(vols(), 'lv2', '_data'))
  t.true(got.includes('marker'), got.join())
  t.false(got.includes('passwd') || got.includes('shadow'), got.join())
  // a volume made beforehand outlives the run's rollback: copy-up into it is what stays (the run
  // itself fails: in the container the kernel finds no /nope to make the mount point under)
  await host.ok('volume', 'create', 'lv3')
  await mr(['run', '--rm', '--network', 'none', '-v', 'lv3:/gone', 'links:1', '/bin/ls', '/gone'])
  const gone = fs.readdirSync(path.join(vols(), 'lv3', '_data'))
  t.true(gone.includes('marker'), gone.join())
  t.false(gone.includes('passwd') || gone.includes('shadow'), gone.join())
  await host.ok('volume', 'rm', 'lv', 'lv2', 'lv3')
  await host.ok('rmi', 'links:1')
  t.deepEqual(await host.leaks(), [])
})

test.serial('volume rm refuses a volume a container uses, running or stopped (Docker)', async (t) => {
  await host.ok('volume', 'create', 'busy')
  await host.ok('run', '-d', '--name', 'r1', '--network', 'none', '-v', 'busy:/b', 'busybox', 'sleep', '600')
  let r = await mr(['volume', 'rm', 'busy'])
  t.is(r.exitCode, 1)
  t.regex(r.stderr, /^Error: volume busy is in use by container r1; remove the container first \(minirun rm r1\)\n$/)
  await host.ok('stop', '-t', '0', 'r1')
  r = await mr(['volume', 'rm', '-f', 'busy'])
  t.is(r.exitCode, 1, 'stopped still counts; -f does not override it')
  await host.ok('rm', 'r1')
  t.is(await host.ok('volume', 'rm', 'busy'), 'busy')
  t.deepEqual(await host.leaks(), [])
})

test.serial('-v /path makes an anonymous volume: rm -v and run --rm remove it, plain rm keeps it', async (t) => {
  await host.ok('run', '-d', '--name', 'a1', '--network', 'none', '-v', '/anon', 'busybox', 'sleep', '600')
  const name = await host.ok('volume', 'ls', '-q')
  t.regex(name, /^[0-9a-f]{64}$/)
  t.is(await host.ok('inspect', '-f', '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}', 'a1'), `volume ${name} /anon`)
  t.is(await host.ok('rm', '-fv', 'a1'), 'a1')
  t.is(await host.ok('volume', 'ls', '-q'), '')
  await host.ok('run', '--rm', '--network', 'none', '-v', '/anon', 'busybox', 'true')
  t.is(await host.ok('volume', 'ls', '-q'), '', 'run --rm removed it')
  await host.ok('run', '--name', 'a2', '--network', 'none', '-v', '/anon', 'busybox', 'true')
  await host.ok('rm', 'a2')
  t.regex(await host.ok('volume', 'ls', '-q'), /^[0-9a-f]{64}$/, 'plain rm keeps it, as Docker')
  t.regex(await host.ok('volume', 'prune', '-f'), /^Deleted Volumes:\n[0-9a-f]{64}$/)
  t.deepEqual(await host.leaks(), [])
})

type Row = [args: string[], stdout: string | RegExp, exit: number, stderr?: RegExp]
const rows: Row[] = [
  [['volume', 'create', 'v1'], 'v1\n', 0],
  [['volume', 'create', 'v1'], 'v1\n', 0], // existing: not an error
  [['volume', 'create', '--label', 'team=a', 'v2'], 'v2\n', 0],
  [['volume', 'create'], /^[0-9a-f]{64}\n$/, 0],
  [['volume', 'create', 'a/b'], '', 1, /^Error: invalid volume name "a\/b": /],
  [['volume', 'ls'], /^DRIVER\s+VOLUME NAME\nlocal\s+[0-9a-f]{64}\nlocal\s+v1\nlocal\s+v2\n$/, 0],
  [['volume', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}}'], /\nv1 local local \nv2 local local team=a\n$/, 0],
  [['volume', 'ls', '--format', 'table {{.Name}}\t{{.Driver}}'], /^VOLUME NAME\s+DRIVER\n/, 0],
  [['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels.team}}', 'v2'], 'v2 local local a\n', 0],
  [['volume', 'inspect', '--format', '{{json .Options}}', 'v1'], 'null\n', 0],
  [['volume', 'inspect', 'v1'], /^\[\n  \{\n    "CreatedAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",\n    "Driver": "local",\n    "Labels": \{\},\n    "Mountpoint": "\/.*\/volumes\/v1\/_data",\n    "Name": "v1",\n    "Options": null,\n    "Scope": "local"\n  \}\n\]\n$/, 0],
  [['volume', 'inspect', 'nosuch'], '', 1, /^Error: no such volume: nosuch/],
  [['volume', 'rm', 'nosuch'], '', 1, /^Error: no such volume: nosuch/],
  [['volume', 'rm', '-f', 'nosuch'], '', 0],
  [['run', '--rm', '--network', 'none', '--mount', 'type=volume,src=v1,dst=/m', 'busybox', 'sh', '-c', 'echo a > /m/a; cat /m/a'], 'a\n', 0],
  [['run', '--rm', '--network', 'none', '--mount', 'type=volume,src=v1,dst=/m,readonly', 'busybox', 'sh', '-c', 'cat /m/a; touch /m/b'], 'a\n', 1, /Read-only file system/],
  [['run', '--rm', '--network', 'none', '-v', 'v1:/m:ro', 'busybox', 'cat', '/m/a'], 'a\n', 0],
  [['run', '--rm', '--network', 'none', '--mount', 'type=tmpfs,dst=/t', 'busybox', 'sh', '-c', 'touch /t/x && echo ok'], 'ok\n', 0],
  [['run', '--rm', '--network', 'none', '-v', './rel:/x', 'busybox', 'true'], '', 125, /^Error: invalid volume "\.\/rel:\/x": "\.\/rel" is neither an absolute host path nor a volume name/],
  // prune asks; no answer is no
  [['volume', 'prune'], 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] \n', 1, /^Error: volume prune has been cancelled/],
  // without -a only anonymous volumes (Docker >= 23): `volume create` with no name is not one
  [['volume', 'prune', '-f'], 'Nothing to prune\n', 0],
  [['volume', 'prune', '-af'], /^Deleted Volumes:\n[0-9a-f]{64}\nv1\nv2\n$/, 0],
  [['volume', 'ls', '-q'], '', 0],
]
for (const [i, [args, stdout, exit, stderr]] of rows.entries()) {
  test.serial(`${i + 1}. minirun ${args.join(' ')}`, async (t) => {
    const r = await mr(args)
    t.is(r.exitCode, exit, r.stderr)
    if (typeof stdout === 'string') t.is(r.stdout, stdout)
    else t.regex(r.stdout, stdout)
    if (stderr) t.regex(r.stderr, stderr)
    else if (exit === 0) t.is(r.stderr, '')
  })
}
test.serial('after the rows: nothing left', async (t) => {
  t.deepEqual(await host.leaks(), [])
})
