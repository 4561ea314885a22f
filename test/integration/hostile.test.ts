import test, {type ExecutionContext} from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {create as tarCreate} from 'tar'
import {BIN, TestHost, sleep} from '../helpers/host.js'
import {gzip, sha256, snapshot, tarArchive, type TarEntry} from '../helpers/tarballs.js'

// Issue 7: the hostile-input catalogue. Every malformed input, driven through the real CLI,
// must give exactly one line on stderr starting "Error: ", no stack trace, a non-zero exit,
// and change nothing: a sentinel directory outside the store (the files an attacker would
// like to reach) is byte-for-byte the same, the store holds the same records, and the kernel
// carries nothing of minirun (host.leaks()).

let host: TestHost
let sentinel = ''
let files = ''
test.before(async () => {
  host = await TestHost.create('hostile')
  sentinel = path.join(host.dir, 'sentinel')
  files = path.join(host.dir, 'inputs')
  fs.mkdirSync(path.join(sentinel, 'etc'), {recursive: true})
  fs.mkdirSync(files)
  fs.writeFileSync(path.join(sentinel, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n')
  fs.writeFileSync(path.join(sentinel, 'secret'), 'do not touch\n')
  fs.mkdirSync(path.join(sentinel, 'victim'))
  // the store exists (image resolved once) before the catalogue starts
  await host.ok('run', '--rm', '--network', 'none', 'busybox', 'true')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

/** Names in the store that a failed command must not add or remove (records, leases, images). */
function storeListing(): string[] {
  const out: string[] = []
  const walk = (dir: string, rel: string, depth: number) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const r = rel ? `${rel}/${name}` : name
      // The default network's record is written the first time anything needs its subnet (Docker's
      // docker0 exists from the daemon's start): it is not a half-made object.
      if (r === 'store.lock' || r === 'networks/bridge.json') continue
      const p = path.join(dir, name)
      const isDir = fs.lstatSync(p).isDirectory()
      // a dir made on demand and left empty (but for the default network's record, or empty dirs) is not state
      if (isDir && !holdsState(p, r)) continue
      out.push(r)
      if (depth < 2 && isDir) walk(p, r, depth + 1)
    }
  }
  if (fs.existsSync(host.root)) walk(host.root, '', 0)
  return out
}

/** Does dir hold any file (the default network's record aside), however deep? */
function holdsState(dir: string, rel: string): boolean {
  return fs.readdirSync(dir).some((n) => {
    const r = `${rel}/${n}`
    if (r === 'networks/bridge.json') return false
    const p = path.join(dir, n)
    return fs.lstatSync(p).isDirectory() ? holdsState(p, r) : true
  })
}

async function refused(t: ExecutionContext, args: string[], msg?: RegExp, env?: Record<string, string>): Promise<void> {
  const before = {sentinel: await snapshot(sentinel), store: storeListing()}
  const r = env ? await host.exec([process.execPath, BIN, ...args], {env}) : await host.mr(...args)
  t.not(r.exitCode, 0, `exit code (stdout: ${r.stdout})`)
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '')
  t.is(lines.length, 1, `exactly one line on stderr:\n${r.stderr}`)
  t.regex(lines[0] ?? '', /^Error: \S/)
  if (msg) t.regex(lines[0] ?? '', msg)
  t.notRegex(r.stderr, /\bat .+\.[jt]s:\d+|node:internal|TypeError|ReferenceError|ZodError|undefined/, 'no stack trace, no internals')
  t.deepEqual(await snapshot(sentinel), before.sentinel, 'nothing outside the store changed')
  t.deepEqual(storeListing(), before.store, 'no record, lease or image was added or removed')
  t.deepEqual(await host.leaks(), [])
}

const run = (...a: string[]) => ['run', '--rm', ...a, 'busybox', 'true']
const file = (name: string, data: string | Buffer) => {
  const p = path.join(files, name)
  fs.writeFileSync(p, data)
  return p
}

// ── port specs ─────────────────────────────────────────────────────────────
const ports = ['abc', '70000:80', '80:70000', '-1:80', '80:', '::', '1.2.3.4.5:18120:80', '999.1.1.1:18120:80', '18120:80/sctp', '18120:80/tcp/udp', '18125-18120:80', '18120:80:80:80', '', '18120:0', '0x50:80', '18120:80/']
for (const p of ports) test.serial(`-p ${JSON.stringify(p)}`, (t) => refused(t, run('-p', p)))
test.serial('-p the same host port twice', (t) => refused(t, run('-p', '18121:80', '-p', '18121:81')))

// ── CIDRs, gateways, network names and options ──────────────────────────────
const nets: Array<[string, string[]]> = [
  ['prefix /33', ['--subnet', '10.30.0.0/33']],
  ['octet 300', ['--subnet', '10.30.0.300/24']],
  ['not an address', ['--subnet', 'abc']],
  ['no prefix', ['--subnet', '10.30.0.0']],
  ['negative prefix', ['--subnet', '10.30.0.0/-1']],
  ['host bits set', ['--subnet', '10.30.0.1/24']],
  ['IPv6', ['--subnet', 'fd00::/64']],
  ['the whole internet', ['--subnet', '0.0.0.0/0']],
  ['overlaps the default bridge', ['--subnet', '172.17.5.0/24']],
  ['gateway outside the subnet', ['--subnet', '10.31.0.0/24', '--gateway', '10.32.0.1']],
  ['gateway not an address', ['--subnet', '10.31.0.0/24', '--gateway', 'gw']],
  ['gateway without subnet', ['--gateway', '10.31.0.1']],
  ['unknown driver', ['-d', 'overlay']],
  ['unknown option', ['-o', 'bogus=1']],
  ['option without value', ['-o', 'novalue']],
  ['bridge name too long', ['-o', 'com.docker.network.bridge.name=abcdefghijklmnopq']],
  ['bridge name with a slash', ['-o', 'com.docker.network.bridge.name=a/b']],
  ['macvlan without a parent that exists', ['-d', 'macvlan', '-o', 'parent=nosuchif0']],
]
for (const [title, flags] of nets) {
  test.serial(`network create: ${title}`, async (t) => {
    t.teardown(() => host.mr('network', 'rm', 'hostile-net')) // if it was wrongly accepted, do not cascade
    await refused(t, ['network', 'create', ...flags, 'hostile-net'])
  })
}
for (const name of ['bad name', '../up', 'a/b', 'x', 'n'.repeat(300), 'bridge', 'host', 'none', '.hidden']) {
  test.serial(`network create name ${JSON.stringify(name.slice(0, 20))}`, (t) => refused(t, ['network', 'create', name]))
}

// ── run: network modes, --ip, env, volumes, names, capabilities, limits ────
const runs: Array<[string, string[]]> = [
  ['--network container:nosuch', run('--network', 'container:nosuch')],
  ['--network container:', run('--network', 'container:')],
  ['--network nosuchnet', run('--network', 'nosuchnet')],
  ['--network host:x', run('--network', 'host:x')],
  ['--network ../../etc', run('--network', '../../etc')],
  ['--ip not an address', run('--ip', 'abc')],
  ['--ip outside the subnet', run('--ip', '10.200.0.5')],
  ['--ip the gateway', run('--ip', '172.17.0.1')],
  ['--ip the broadcast address', run('--ip', '172.17.255.255')],
  ['--ip with --network none', run('--network', 'none', '--ip', '172.17.0.9')],
  // (-p with --network none is accepted with a warning, as Docker ignores it: cli-compat.test.ts)
  ['-p with --network container:', run('--network', 'container:nosuch', '-p', '18122:80')],
  ['-e =value', run('-e', '=value')],
  // (relative:/x is a named volume, /x an anonymous one, as in Docker: volumes.test.ts)
  ['-v relative source', run('-v', './relative:/x')],
  // (a missing absolute source is created, as Docker does: volumes.test.ts)
  ['-v source with a newline', run('-v', '/nonexistent/a\nb:/x')],
  ['-v relative target', run('-v', '/tmp:relative')],
  ['-v bogus mode', run('-v', '/tmp:/x:bogus')],
  ['-v onto /', run('-v', '/tmp:/')],
  ['-v empty', run('-v', '')],
  ['-v relative target only', run('-v', 'tmp')],
  ['-v bad volume name', run('-v', 'a*b:/x')],
  ['--mount type=tmpfs into /proc', run('--mount', 'type=tmpfs,dst=/proc/x')],
  ['--mount unknown key', run('--mount', 'type=volume,dst=/x,bogus=1')],
  ['--mount bind without a source', run('--mount', 'type=bind,dst=/x')],
  ['-v empty source', run('-v', ':/x')],
  ['-v target escaping with ..', run('-v', '/tmp:/../../../etc')],
  ['--name with a space', run('--name', 'bad name')],
  ['--name with a slash', run('--name', 'a/b')],
  ['--name too long', run('--name', 'c'.repeat(300))],
  ['--name starting with a dot', run('--name', '.dot')],
  ['--cap-add BOGUS', run('--cap-add', 'BOGUS')],
  ['--cap-drop BOGUS', run('--cap-drop', 'BOGUS')],
  ['--memory abc', run('--memory', 'abc')],
  ['--memory -5m', run('--memory', '-5m')],
  ['--pids-limit abc', run('--pids-limit', 'abc')],
  ['-w relative', run('-w', 'relative/dir')],
  ['unknown image', ['run', '--rm', 'nosuchimage:latest', 'true']],
  ['image name with ..', ['run', '--rm', '../../etc', 'true']],
  ['missing command', ['run', '--rm', '--network', 'none', 'busybox', '/no/such/cmd']],
]
for (const [title, args] of runs) test.serial(`run ${title}`, (t) => refused(t, args))

// ── issue 12/13: hostnames, env names, volume destinations, names that are far too long ──
const long = (n: number, c = 'a') => c.repeat(n)
const names: Array<[string, string[], RegExp]> = [
  ['--hostname with a newline', run('--hostname', 'x\n1.2.3.4 evil'), /^Error: invalid hostname "x\\n1\.2\.3\.4 evil": /],
  ['--hostname of 10,000 characters', run('--hostname', long(10_000)), /^Error: invalid hostname "a{60}\.\.\.": it has 10000 characters/],
  ['--hostname of 65 characters', run('--hostname', long(65)), /^Error: invalid hostname /],
  ['--hostname with a 64-character label', run('--hostname', `${long(64)}`), /^Error: invalid hostname /],
  ['--hostname with a space', run('--hostname', 'a b'), /^Error: invalid hostname "a b": /],
  ['--hostname starting with -', run('--hostname', '-x'), /^Error: invalid hostname /],
  ['--hostname with two dots', run('--hostname', 'a..b'), /^Error: invalid hostname /],
  ['--name of 5000 characters', run('--name', long(5000)), /^Error: invalid container name "a{60}\.\.\.": at most 64 characters/],
  ['--name with a newline', run('--name', 'a\nb'), /^Error: invalid container name /],
  ['image ref of 5000 characters', ['run', '--rm', `busybox:${long(5000)}`, 'true'], /^Error: invalid image reference "busybox:a+\.\.\.": at most 1024 characters/],
  ['--network of 5000 characters', run('--network', long(5000)), /^Error: invalid --network "a{60}\.\.\.": at most 80 characters/],
  ['--pod of 5000 characters', ['run', '--rm', '--pod', long(5000), 'busybox', 'true'], /^Error: invalid pod name "a{60}\.\.\.": /],
  ['-e name with a space', run('-e', 'A B=1'), /^Error: invalid environment variable "A B": /],
  ['-e name with a newline', run('-e', 'A\nB=1'), /^Error: invalid environment variable "A\\nB": /],
  ['-e name with a tab', run('-e', 'A\tB=1'), /^Error: invalid environment variable /],
  ['-v onto /proc', run('-v', '/tmp:/proc'), /^Error: invalid volume "\/tmp:\/proc": mount destination \/proc not allowed/],
  ['-v onto /proc/sys', run('-v', '/tmp:/proc/sys'), /mount destination \/proc\/sys not allowed/],
  ['-v onto /proc/sysrq-trigger', run('-v', '/tmp:/proc/sysrq-trigger'), /mount destination \/proc\/sysrq-trigger not allowed/],
  ['-v onto //proc/./sys', run('-v', '/tmp://proc/./sys'), /mount destination \/proc\/sys not allowed/],
  ['-v onto /dev', run('-v', '/tmp:/dev'), /mount destination \/dev not allowed/],
  ['-v onto /sys', run('-v', '/tmp:/sys/'), /mount destination \/sys not allowed/],
  ['-v destination with a newline', run('-v', '/tmp:/x\ny'), /^Error: invalid volume /],
  // (a missing absolute source is created, as Docker does: volumes.test.ts)
  ['-v with a 5000-character volume name', run('-v', `${long(5000, 'v')}:/x`), /^Error: invalid volume "v{60}\.\.\.": "v{60}\.\.\." is neither an absolute host path nor a volume name/],
  ['network create with a 5000-character name', ['network', 'create', long(5000, 'n')], /^Error: invalid network name "n{60}\.\.\.": at most 64 characters/],
  ['network create with a 5000-character bad name', ['network', 'create', `${long(5000, 'n')} x`], /^Error: invalid network name "n{60}\.\.\.": at most 64 characters/],
  ['network inspect with a 5000-character name', ['network', 'inspect', long(5000, 'n')], /^Error: /],
  ['pod create with a 5000-character name', ['pod', 'create', '--name', long(5000, 'p')], /^Error: invalid pod name "p{60}\.\.\.": /],
  ['inspect a 5000-character name', ['inspect', long(5000)], /^Error: no such container: a{60}\.\.\. /],
  ['rm a 5000-character name', ['rm', long(5000)], /^Error: no such container: /],
  ['network rm with a 5000-character name', ['network', 'rm', long(5000, 'n')], /^Error: invalid network name "n{60}\.\.\.": at most 80 characters/],
]
for (const [title, args, msg] of names) {
  test.serial(`run/names: ${title}`, async (t) => {
    await refused(t, args, msg)
    const r = await host.mr(...args)
    t.true(r.stderr.length < 400, `the line stays short (${r.stderr.length} characters)`)
    t.notRegex(r.stderr, /ENAMETOOLONG|ENOSPC|EACCES|sethostname/)
  })
}

test.serial('control: a valid hostname, env name and a volume inside /dev are accepted', async (t) => {
  const dir = path.join(files, 'snd')
  fs.mkdirSync(dir, {recursive: true})
  t.is(await host.ok('run', '--rm', '--network', 'none', '--hostname', 'web-1.example', '-e', 'MY_VAR=a b\nc', 'busybox', 'sh', '-c', 'hostname; echo "$MY_VAR"'), 'web-1.example\na b\nc')
  t.is(await host.ok('run', '--rm', '--network', 'none', '-v', `${dir}:/data/x`, 'busybox', 'sh', '-c', 'test -d /data/x && echo ok'), 'ok')
  t.deepEqual(await host.leaks(), [])
})

test.serial("a refused --hostname leaves the names on the network and the others' /etc/hosts unchanged", async (t) => {
  await host.ok('network', 'create', 'hostile-hosts')
  t.teardown(async () => {
    await host.mr('rm', '-f', 'hosts-peer')
    await host.mr('network', 'rm', 'hostile-hosts')
  })
  await host.ok('run', '-d', '--name', 'hosts-peer', '--network', 'hostile-hosts', 'busybox', 'sleep', '600')
  const before = await host.ok('exec', 'hosts-peer', 'cat', '/etc/hosts')
  const r = await host.mr('run', '--rm', '--network', 'hostile-hosts', '--name', 'evil', '--hostname', 'x\n6.6.6.6 hosts-peer', 'busybox', 'true')
  t.not(r.exitCode, 0)
  t.regex(r.stderr, /^Error: invalid hostname "x\\n6\.6\.6\.6 hosts-peer": [^\n]+\n$/)
  t.is(await host.ok('exec', 'hosts-peer', 'cat', '/etc/hosts'), before)
  t.notRegex(before, /6\.6\.6\.6/)
  const answers = async (name: string) => [...(await host.mr('exec', 'hosts-peer', 'nslookup', name)).stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1])
  t.notDeepEqual(await answers('hosts-peer'), ['6.6.6.6'])
  t.deepEqual(await answers('evil'), [], 'the refused container has no name')
  // control: a valid one joins and its names answer on the network's resolver
  await host.ok('run', '-d', '--name', 'hosts-ok', '--network', 'hostile-hosts', '--hostname', 'fine', 'busybox', 'sleep', '600')
  const ok = JSON.parse(await host.ok('inspect', 'hosts-ok'))[0].NetworkSettings.IPAddress
  t.deepEqual(await answers('hosts-ok'), [ok])
  t.deepEqual(await answers('fine'), [ok])
  await host.ok('rm', '-f', 'hosts-ok')
})

// ── Pod manifests ───────────────────────────────────────────────────────────
const pod = (spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hostile-pod\nspec:\n${spec}`
const manifests: Array<[string, string]> = [
  ['not YAML', 'apiVersion: v1\nkind: Pod\n  metadata: [\n'],
  ['a YAML list', '- a\n- b\n'],
  ['kind Deployment', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec: {}\n'],
  ['apiVersion v2', 'apiVersion: v2\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: busybox\n'],
  ['no metadata.name', 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: busybox\n'],
  ['bad pod name', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "../../etc"\nspec:\n  containers:\n  - name: a\n    image: busybox\n'],
  ['no containers', pod('  containers: []\n')],
  ['container without image', pod('  containers:\n  - name: a\n')],
  ['bad container name', pod('  containers:\n  - name: "a b"\n    image: busybox\n')],
  ['duplicate container names', pod('  containers:\n  - name: a\n    image: busybox\n  - name: a\n    image: busybox\n')],
  ['hostPort 70000', pod('  containers:\n  - name: a\n    image: busybox\n    ports:\n    - containerPort: 80\n      hostPort: 70000\n')],
  ['containerPort a string', pod('  containers:\n  - name: a\n    image: busybox\n    ports:\n    - containerPort: http\n')],
  ['protocol SCTP', pod('  containers:\n  - name: a\n    image: busybox\n    ports:\n    - containerPort: 80\n      hostPort: 18123\n      protocol: SCTP\n')],
  ['relative hostPath', pod('  containers:\n  - name: a\n    image: busybox\n    volumeMounts:\n    - name: v\n      mountPath: /v\n  volumes:\n  - name: v\n    hostPath:\n      path: relative/dir\n')],
  ['mount of an undeclared volume', pod('  containers:\n  - name: a\n    image: busybox\n    volumeMounts:\n    - name: nope\n      mountPath: /v\n')],
  ['relative mountPath', pod('  containers:\n  - name: a\n    image: busybox\n    volumeMounts:\n    - name: v\n      mountPath: v\n  volumes:\n  - name: v\n    emptyDir: {}\n')],
  ['env without a name', pod('  containers:\n  - name: a\n    image: busybox\n    env:\n    - value: x\n')],
  ['unknown image', pod('  containers:\n  - name: a\n    image: nosuchimage\n')],
  ['spec.hostname with a newline', pod('  hostname: "x\\n1.2.3.4 evil"\n  containers:\n  - name: a\n    image: busybox\n')],
  ['spec.hostname of 100 characters', pod(`  hostname: ${'h'.repeat(100)}\n  containers:\n  - name: a\n    image: busybox\n`)],
  ['env name with a space', pod('  containers:\n  - name: a\n    image: busybox\n    env:\n    - name: "A B"\n      value: x\n')],
  ['env name with a NUL', pod('  containers:\n  - name: a\n    image: busybox\n    env:\n    - name: "A\\0B"\n      value: x\n')],
  ['env name with a newline', pod('  containers:\n  - name: a\n    image: busybox\n    env:\n    - name: "A\\nB"\n      value: x\n')],
  ['mountPath /proc/sys', pod('  containers:\n  - name: a\n    image: busybox\n    volumeMounts:\n    - name: v\n      mountPath: /proc/sys\n  volumes:\n  - name: v\n    emptyDir: {}\n')],
  ['mountPath /dev', pod('  containers:\n  - name: a\n    image: busybox\n    volumeMounts:\n    - name: v\n      mountPath: /dev\n  volumes:\n  - name: v\n    emptyDir: {}\n')],
  ['mountPath with ..', pod('  containers:\n  - name: a\n    image: busybox\n    volumeMounts:\n    - name: v\n      mountPath: /data/../etc\n  volumes:\n  - name: v\n    emptyDir: {}\n')],
  ['mountPath with a colon', pod('  containers:\n  - name: a\n    image: busybox\n    volumeMounts:\n    - name: v\n      mountPath: "/x:ro"\n  volumes:\n  - name: v\n    emptyDir: {}\n')],
  ['an image ref of 5000 characters', pod(`  containers:\n  - name: a\n    image: busybox:${'a'.repeat(5000)}\n`)],
  ['a YAML bomb', `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nkind: Pod\n`],
]
manifests.forEach(([title, yaml], i) => test.serial(`pod play: ${title}`, (t) => refused(t, ['pod', 'play', file(`pod-${i}.yaml`, yaml)])))
test.serial('pod play: a file that does not exist', (t) => refused(t, ['pod', 'play', path.join(files, 'missing.yaml')]))

// ── image archives ──────────────────────────────────────────────────────────
const ok: TarEntry[] = [{name: 'bin/', type: 'dir'}, {name: 'bin/hello', data: 'hi', mode: 0o755}]
// Designed to be contained rather than refused (as tar and Docker do): absolute names land
// inside the image, symlinks are resolved with the image as "/", device nodes are skipped.
const containedArchives: Array<[string, () => Buffer]> = [
  ['absolute path into the sentinel', () => tarArchive([...ok, {name: `${sentinel}/secret`, data: 'owned'}])],
  ['symlink escape, then a file through it', () => tarArchive([...ok, {name: 'esc', type: 'symlink', linkname: sentinel}, {name: 'esc/secret', data: 'owned'}])],
  ['relative symlink escape, then a file through it', () => tarArchive([{name: 'd/', type: 'dir'}, {name: 'd/up', type: 'symlink', linkname: '../../../../../../../../..' + sentinel}, {name: 'd/up/etc/passwd', data: 'owned'}])],
  ['a char device node', () => tarArchive([...ok, {name: 'mem', type: 'char', data: ''}])],
  ['a block device node', () => tarArchive([...ok, {name: 'disk', type: 'block'}])],
]
const archives: Array<[string, () => Buffer]> = [
  ['path traversal ../', () => tarArchive([...ok, {name: '../escape', data: 'x'}])],
  ['traversal inside a path', () => tarArchive([...ok, {name: 'a/../../escape', data: 'x'}])],
  ['hardlink to a host file', () => tarArchive([...ok, {name: 'pw', type: 'hardlink', linkname: `${sentinel}/etc/passwd`}])],
  ['hardlink outside with ..', () => tarArchive([...ok, {name: 'pw', type: 'hardlink', linkname: '../../sentinel/secret'}])],
  ['hardlink through a symlinked dir', () => tarArchive([{name: 's', type: 'symlink', linkname: sentinel}, {name: 'pw', type: 'hardlink', linkname: 's/secret'}])],
  ['a layer replacing / with a symlink', () => tarArchive([{name: './', type: 'symlink', linkname: sentinel}, {name: 'etc/passwd', data: 'owned'}])],
  ['"." as a symlink to /', () => tarArchive([{name: '.', type: 'symlink', linkname: '/'}, {name: 'secret', data: 'owned'}])],
  ['truncated tar', () => tarArchive([...ok, {name: 'big', data: 'y'.repeat(5000)}]).subarray(0, 1800)],
  ['corrupt gzip', () => Buffer.concat([gzip(tarArchive(ok)).subarray(0, 20), Buffer.from('garbage-garbage-garbage')])],
  ['truncated gzip', () => {
    const gz = gzip(tarArchive([...ok, {name: 'r', data: Buffer.alloc(20000, 7)}]))
    return gz.subarray(0, Math.floor(gz.length / 2))
  }],
  ['a 10 GB sparse entry', () => tarArchive([...ok, {name: 'huge', size: 10 * 1024 ** 3, data: 'tiny'}], {end: false})],
  ['not an archive at all', () => Buffer.from('#!/bin/sh\necho hello\n')],
  ['an empty file', () => Buffer.alloc(0)],
  ['a bad header checksum', () => {
    const b = tarArchive(ok)
    b[148] = 0x37
    b[149] = 0x37
    return b
  }],
]
archives.forEach(([title, make], i) => {
  test.serial(`image import: ${title}`, async (t) => {
    const p = file(`img-${i}.tar`, make())
    await refused(t, ['image', 'import', p, `hostile${i}`])
    t.false(fs.existsSync(path.join(host.dir, 'escape')))
    t.false(fs.existsSync(path.join(host.root, 'escape')))
  })
})
containedArchives.forEach(([title, make], i) => {
  test.serial(`image import (contained): ${title}`, async (t) => {
    const p = file(`contained-${i}.tar`, make())
    const before = {sentinel: await snapshot(sentinel), store: storeListing()}
    const r = await host.mr('image', 'import', p, `contained${i}`)
    if (r.exitCode !== 0) t.regex(r.stderr, /^Error: [^\n]+\n?$/)
    t.deepEqual(await snapshot(sentinel), before.sentinel, 'nothing outside the store changed')
    t.false(fs.existsSync(path.join(host.dir, 'escape')))
    if (r.exitCode === 0) {
      await host.ok('image', 'rm', `contained${i}`)
    }
    t.deepEqual(storeListing(), before.store)
    t.deepEqual(await host.leaks(), [])
  })
})
test.serial('image import: a file that does not exist', (t) => refused(t, ['image', 'import', path.join(files, 'nope.tar'), 'hostile']))
test.serial('image import: a bad image name', (t) => refused(t, ['image', 'import', file('named.tar', tarArchive(ok)), 'UPPER/../x']))

// ── registries ──────────────────────────────────────────────────────────────
// A lying registry (helpers/hostile-registry.ts) inside this file's namespace on 127.0.0.1. It
// serves official/x honestly, and evil/x with official's config but its own top layer (cache
// poisoning), plus every way a registry can try to exhaust memory or hang a pull.
const REG_PORT = 18640
const REG = `127.0.0.1:${REG_PORT}`
const REGISTRY_JS = fileURLToPath(new URL('../helpers/hostile-registry.js', import.meta.url))
const IDLE = {MINIRUN_PULL_IDLE_TIMEOUT: '1500'}
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const LAYER_GZ = 'application/vnd.oci.image.layer.v1.tar+gzip'
let registryPid = 0
const routes: Record<string, {body?: string; type?: string; extra?: number; endless?: number; stall?: string; silent?: boolean; redirect?: string}> = {}
const desc = (data: Buffer, mediaType: string) => ({mediaType, digest: `sha256:${sha256(data)}`, size: data.length})
const official = {configDigest: '', layers: [] as string[]}

/** Serve blob `data` under repo; returns its descriptor. */
function serveBlob(repo: string, data: Buffer, mediaType: string): {mediaType: string; digest: string; size: number} {
  const d = desc(data, mediaType)
  routes[`/v2/${repo}/blobs/${d.digest}`] = {body: data.toString('base64')}
  return d
}

/** Serve an image manifest for repo:tag whose layer descriptors may lie; returns nothing the tests need. */
function serveManifest(repo: string, tag: string, config: object, layers: object[]): void {
  const m = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers}))
  routes[`/v2/${repo}/manifests/${tag}`] = {body: m.toString('base64'), type: OCI_MANIFEST}
}

async function tarOf(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of tarCreate({cwd: dir, portable: true, noMtime: true}, ['.'])) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

test.serial('registry: start a hostile registry in the test namespace', async (t) => {
  const bb = fs.readdirSync(path.join(host.root, 'images')).map((id) => JSON.parse(fs.readFileSync(path.join(host.root, 'images', id, 'image.json'), 'utf8')) as {rootfs: string; repoTags: string[]}).find((r) => r.repoTags.includes('busybox:latest'))!
  const base = await tarOf(bb.rootfs)
  const top = (who: string) => tarArchive([{name: 'who', data: `${who}\n`}])
  const config = Buffer.from(JSON.stringify({architecture: 'amd64', os: 'linux', config: {Cmd: ['sh']}, rootfs: {type: 'layers', diff_ids: [`sha256:${sha256(base)}`, `sha256:${sha256(top('official'))}`]}}))
  const layers = {base: gzip(base), official: gzip(top('official')), evil: gzip(top('evil'))}
  for (const repo of ['official/x', 'evil/x']) serveBlob(repo, config, 'application/vnd.oci.image.config.v1+json')
  const configDesc = desc(config, 'application/vnd.oci.image.config.v1+json')
  official.configDigest = configDesc.digest
  const baseDesc = serveBlob('official/x', layers.base, LAYER_GZ)
  const officialDesc = serveBlob('official/x', layers.official, LAYER_GZ)
  official.layers = [baseDesc.digest, officialDesc.digest]
  serveManifest('official/x', 'latest', configDesc, [baseDesc, officialDesc])
  // evil/x: official's config, its own top layer (the manifest names its real digest: only diff_ids can tell).
  serveBlob('evil/x', layers.base, LAYER_GZ)
  serveManifest('evil/x', 'latest', configDesc, [baseDesc, serveBlob('evil/x', layers.evil, LAYER_GZ)])

  // bad/x: the same layers under a config of its own (never in the store, so every pull downloads), each tag lying in one way.
  const badConfig = Buffer.from(JSON.stringify({...JSON.parse(config.toString()), config: {Cmd: ['bad']}}))
  const badConfigDesc = serveBlob('bad/x', badConfig, 'application/vnd.oci.image.config.v1+json')
  serveBlob('bad/x', layers.base, LAYER_GZ)
  const good = serveBlob('bad/x', layers.official, LAYER_GZ)
  const {size: _size, ...noSize} = good
  serveManifest('bad/x', 'nosize', badConfigDesc, [baseDesc, noSize])
  serveManifest('bad/x', 'zerosize', badConfigDesc, [baseDesc, {...good, size: 0}])
  serveManifest('bad/x', 'negsize', badConfigDesc, [baseDesc, {...good, size: -1}])
  serveManifest('bad/x', 'hugesize', badConfigDesc, [baseDesc, {...good, size: 2 ** 52}])
  // A layer whose descriptor says fewer bytes than the blob has: read stops at the size, the digest refuses it.
  serveManifest('bad/x', 'short', badConfigDesc, [baseDesc, {...good, size: good.size - 10}])
  // A body that goes on past its size (no Content-Length): 64 MiB more are never read.
  const longer = {...good, digest: `sha256:${sha256(Buffer.from('longer'))}`}
  routes[`/v2/bad/x/blobs/${longer.digest}`] = {body: layers.official.toString('base64'), extra: 64 * 1024 * 1024}
  serveManifest('bad/x', 'longer', badConfigDesc, [baseDesc, longer])
  // Slow loris: one byte of the layer, then silence.
  const loris = {...good, digest: `sha256:${sha256(Buffer.from('loris'))}`}
  routes[`/v2/bad/x/blobs/${loris.digest}`] = {stall: layers.official.subarray(0, 1).toString('base64')}
  serveManifest('bad/x', 'loris', badConfigDesc, [baseDesc, loris])
  // A manifest that never answers; a manifest of 1 GiB without Content-Length; a redirect loop.
  routes['/v2/bad/x/manifests/silent'] = {silent: true}
  routes['/v2/bad/x/manifests/huge'] = {endless: 1024 ** 3, type: OCI_MANIFEST}
  routes['/v2/bad/x/manifests/loop'] = {redirect: '/v2/bad/x/manifests/loop'}
  // A config longer than its descriptor says (the bytes after it never fit).
  const bigConfig = {...badConfigDesc, digest: `sha256:${sha256(Buffer.from('bigconfig'))}`}
  routes[`/v2/bad/x/blobs/${bigConfig.digest}`] = {body: config.toString('base64'), extra: 1024 ** 3}
  serveManifest('bad/x', 'bigconfig', bigConfig, [baseDesc, good])

  const routesFile = path.join(files, 'routes.json')
  fs.writeFileSync(routesFile, JSON.stringify(routes))
  const log = path.join(files, 'registry.log')
  fs.writeFileSync(log, '')
  const r = await host.sh(`${process.execPath} ${REGISTRY_JS} ${REG_PORT} ${routesFile} ${log} >/dev/null 2>&1 & echo $!`)
  registryPid = Number(r.stdout.trim())
  t.true(registryPid > 0, r.stderr)
  for (let i = 0; i < 100 && !fs.readFileSync(log, 'utf8').includes('listening'); i++) await sleep(50)
  t.regex(fs.readFileSync(log, 'utf8'), /listening/)
})
test.after.always(async () => {
  if (registryPid > 0) await host?.sh(`kill ${registryPid}`).catch(() => {})
})

test.serial('registry: cache poisoning: evil/x with official/x\'s config but its own layer is refused; official/x then runs as itself', async (t) => {
  await refused(t, ['image', 'pull', `${REG}/evil/x`], /layer 2\/2 is not the layer its image config lists \(content is sha256:[0-9a-f]{64}, the config says sha256:[0-9a-f]{64}\); the image is corrupt or forged/)
  // The control: the same registry's consistent image pulls and runs, with official's content.
  const id = await host.ok('image', 'pull', `${REG}/official/x`)
  t.is(`sha256:${id}`, official.configDigest)
  const run = await host.mr('run', '--rm', '--network', 'none', `${REG}/official/x`, 'cat', '/who')
  t.is(run.stdout, 'official\n', run.stderr)
  // Pulling evil now only tags the checked image its config names: its own layers are never fetched or used.
  const log = path.join(files, 'registry.log')
  fs.writeFileSync(log, '')
  t.is(await host.ok('image', 'pull', `${REG}/evil/x`), id)
  const fetched = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('/blobs/'))
  t.deepEqual(fetched, [`GET /v2/evil/x/blobs/${official.configDigest}`], 'only the config is fetched, no layer')
  t.is((await host.mr('run', '--rm', '--network', 'none', `${REG}/evil/x`, 'cat', '/who')).stdout, 'official\n')
  t.is((await host.mr('run', '--rm', '--network', 'none', `${REG}/official/x`, 'cat', '/who')).stdout, 'official\n')
  t.is(await host.ok('image', 'rm', `${REG}/evil/x`), `Untagged: ${REG}/evil/x:latest`)
  t.deepEqual(await host.leaks(), [])
})

test.serial('registry: a store entry written before layers were checked is not trusted until pulled again', async (t) => {
  // What an older minirun left after `pull evil/x; pull official/x`: official's id, evil's files, no chainId.
  const dir = path.join(host.root, 'images', official.configDigest.slice(7))
  const rec = JSON.parse(fs.readFileSync(path.join(dir, 'image.json'), 'utf8')) as Record<string, unknown>
  delete rec.chainId
  fs.writeFileSync(path.join(dir, 'image.json'), JSON.stringify(rec))
  fs.writeFileSync(path.join(dir, 'rootfs', 'who'), 'evil\n')
  await refused(t, ['run', '--rm', '--network', 'none', `${REG}/official/x`, 'cat', '/who'], /was stored by an older minirun that did not check its layers, so it is not trusted; pull or import it again$/)
  t.is(await host.ok('image', 'pull', `${REG}/official/x`), official.configDigest.slice(7))
  t.is((await host.mr('run', '--rm', '--network', 'none', `${REG}/official/x`, 'cat', '/who')).stdout, 'official\n')
  await host.ok('image', 'rm', `${REG}/official/x`)
  t.deepEqual(fs.readdirSync(path.join(host.root, 'tmp')), [])
  t.deepEqual(await host.leaks(), [])
})

const lies: Array<[string, string, RegExp]> = [
  ['a layer descriptor without a size', 'nosize', /gives layer sha256:[0-9a-f]{64} no size; refusing it$/],
  ['a layer descriptor of size 0', 'zerosize', /an invalid size \(0\); refusing it$/],
  ['a layer descriptor of size -1', 'negsize', /an invalid size \(-1\); refusing it$/],
  ['a layer descriptor of 4 PiB', 'hugesize', /its layers are \d+ bytes, more than the \d+ an image may have; set MINIRUN_MAX_IMAGE_BYTES/],
  ['a layer longer than its descriptor says', 'short', /blob sha256:[0-9a-f]{64} is 109 bytes, more than the 99 its manifest says; refusing it$/],
  ['a layer body that goes on past its size', 'longer', /blob sha256:[0-9a-f]{64} from 127\.0\.0\.1:18640 does not match its digest/],
  ['a redirect loop', 'loop', /redirected more than 5 times; refusing to follow$/],
  ['a 1 GiB config after its descriptor\'s size', 'bigconfig', /the config of .* is larger than the \d+ bytes its manifest says; refusing it$/],
]
for (const [title, tag, msg] of lies) test.serial(`registry: ${title}`, (t) => refused(t, ['image', 'pull', `${REG}/bad/x:${tag}`], msg))

test.serial('registry: a slow-loris layer (one byte, then nothing) fails within the idle timeout, one line, nothing kept', async (t) => {
  const started = Date.now()
  await refused(t, ['image', 'pull', `${REG}/bad/x:loris`], /^Error: registry 127\.0\.0\.1:18640 sent no data for 1\.5s while pulling layer sha256:[0-9a-f]{64}; try again$/, IDLE)
  t.true(Date.now() - started < 30_000, `took ${Date.now() - started} ms`)
})

test.serial('registry: a manifest that never answers fails within the idle timeout', (t) =>
  refused(t, ['image', 'pull', `${REG}/bad/x:silent`], /^Error: registry 127\.0\.0\.1:18640 sent no data for 1\.5s while pulling the manifest of 127\.0\.0\.1:18640\/bad\/x:silent; try again$/, IDLE),
)

test.serial('registry: an address that never answers a connect fails within the connect timeout', async (t) => {
  // Inside this file's namespace only: packets for 10.255.0.0/24 go to lo, which drops them (not a local address).
  await host.sh('ip route add 10.255.0.0/24 dev lo')
  t.teardown(() => host.sh('ip route del 10.255.0.0/24 dev lo'))
  await refused(t, ['image', 'pull', '--tls-verify=false', '10.255.0.1:18641/x/y'], /^Error: cannot reach registry 10\.255\.0\.1:18641: no connection to 10\.255\.0\.1:18641 within 1s; check the address and the network, then try again$/, {MINIRUN_PULL_CONNECT_TIMEOUT: '1000'})
})

test.serial('registry: a 1 GiB manifest without Content-Length is cut at 4 MiB; minirun stays small', async (t) => {
  const rss = path.join(files, 'rss')
  const r = await host.exec(['/usr/bin/time', '-f', '%M', '-o', rss, process.execPath, BIN, 'image', 'pull', `${REG}/bad/x:huge`])
  t.is(r.exitCode, 1)
  t.is(r.stderr, `Error: registry ${REG}: the manifest of ${REG}/bad/x:huge is larger than the 4194304 bytes allowed; refusing it\n`)
  const kib = Number(fs.readFileSync(rss, 'utf8').trim().split('\n').at(-1))
  t.log(`peak RSS ${(kib / 1024).toFixed(0)} MiB`)
  t.true(kib > 0 && kib < 300 * 1024, `peak RSS ${kib} KiB`)
  t.deepEqual(fs.readdirSync(path.join(host.root, 'tmp')), [])
})

test.serial('the catalogue has at least 60 inputs', (t) => {
  const n = ports.length + 1 + nets.length + 9 + runs.length + names.length + manifests.length + 1 + archives.length + 2 + 2 + lies.length + 4 // refused (contained archives not counted)
  t.log(`${n} hostile inputs`)
  t.true(n >= 60)
})
