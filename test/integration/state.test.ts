import test, {type ExecutionContext} from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, type Out, TestHost} from '../helpers/host.js'

// Issue 10, 13, 14: state files a crash or a full disk left unreadable, a full disk itself, and
// 20,000 -e flags. A corrupt record must be named in one line, must not stop the commands that
// list, and its container must still be removable: its processes ended, its kernel objects gone.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('state')
  await host.ok('run', '--rm', '--network', 'none', 'busybox', 'true') // the image exists
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const recordOf = (id: string) => path.join(host.root, 'containers', id, 'container.json')
const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '')
const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))

function oneError(t: ExecutionContext, r: Out, msg: RegExp): void {
  t.not(r.exitCode, 0, r.stdout)
  t.is(lines(r.stderr).length, 1, r.stderr)
  t.regex(r.stderr, msg)
  t.notRegex(r.stderr, /\bat .+\.[jt]s:\d+|node:internal|SyntaxError/)
}

/** nft elements and the corrupt dir, beside host.leaks(). */
async function nftElements(): Promise<string[]> {
  const ruleset = (await host.sh('nft list ruleset')).stdout
  return [...ruleset.matchAll(/elements = \{([^}]*)\}/g)].map((m) => m[1].trim())
}

/** A published container whose record then gets cut in half, as a crash mid-write could (before atomic writes). */
async function corrupted(name: string, port: number, damage: (file: string) => void): Promise<{id: string; pid: number; file: string}> {
  const id = await host.ok('run', '-d', '--name', name, '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const pid = (JSON.parse(await host.ok('inspect', id)) as Array<{State: {Pid: number}}>)[0].State.Pid
  t0(pid > 0)
  const file = recordOf(id)
  damage(file)
  return {id, pid, file}
}
const t0 = (ok: boolean) => {
  if (!ok) throw new Error('setup failed')
}
const truncate = (file: string) => fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 120))

test.serial('a truncated container.json: ps -a lists the rest and warns once, inspect names the file, rm -f ends it and frees everything', async (t) => {
  const good = await host.ok('run', '-d', '--name', 'good', '-p', '18131:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const goodPid = (JSON.parse(await host.ok('inspect', good)) as Array<{State: {Pid: number}}>)[0].State.Pid
  const bad = await corrupted('bad', 18130, truncate)

  const ps = await host.mr('ps', '-a')
  t.is(ps.exitCode, 0, ps.stderr)
  t.regex(ps.stdout, /\bgood\b/, 'the readable container is listed')
  t.is(lines(ps.stderr).length, 1, 'one warning per bad file')
  t.true(ps.stderr.startsWith(`WARNING: skipping ${bad.file}: `), ps.stderr)
  t.regex(ps.stderr, /; run minirun system prune -f to move it aside\n$/)

  for (const args of [['inspect', 'bad'], ['inspect', bad.id.slice(0, 12)], ['rm', 'bad'], ['stop', 'bad']]) {
    oneError(t, await host.mr(...args), new RegExp(`^Error: cannot read ${bad.file.replace(/[.]/g, '\\.')}: .+; run minirun system prune -f to move it aside\\n$`))
  }
  t.true(alive(bad.pid), 'control: the refused rm did not end it')

  const rm = await host.mr('rm', '-f', 'bad')
  t.is(rm.exitCode, 0, rm.stderr)
  t.false(alive(bad.pid), 'its PID 1 is gone')
  t.true(alive(goodPid), 'the other container still runs')
  const corrupt = fs.readdirSync(path.join(host.root, 'corrupt'))
  t.true(corrupt.some((d) => d.startsWith(`${bad.id}-`)), `moved aside: ${corrupt.join(' ')}`)
  t.false(fs.existsSync(path.join(host.root, 'containers', bad.id)))
  t.regex((await host.sh('curl -s --max-time 5 http://127.0.0.1:18131/')).stdout, /minirun/i, 'the other one still answers')
  t.is((await host.sh('curl -s --max-time 2 http://127.0.0.1:18130/')).exitCode !== 0, true, 'the bad one is unpublished')
  t.is((await nftElements()).join(' ').includes('18130'), false)
  t.regex(await host.ok('run', '--rm', '--name', 'bad', '--network', 'none', 'busybox', 'echo', 'reused'), /reused/, 'its name is free again')

  await host.ok('rm', '-f', 'good')
  t.deepEqual(await host.leaks(), [])
  t.deepEqual(await nftElements(), [])
  fs.rmSync(path.join(host.root, 'corrupt'), {recursive: true})
})

test.serial('system prune: an empty and a wrong-shaped record are moved aside, their containers ended and unwired', async (t) => {
  const a = await corrupted('empty-rec', 18132, (f) => fs.writeFileSync(f, ''))
  const b = await corrupted('null-rec', 18133, (f) => fs.writeFileSync(f, 'null\n'))
  const prune = await host.mr('system', 'prune', '-f')
  t.is(prune.exitCode, 0, prune.stderr)
  t.regex(prune.stdout, new RegExp(`unreadable record ${a.file.replace(/[.]/g, '\\.')} \\(the file is empty\\): moved to `))
  t.regex(prune.stdout, /\(it is not a minirun record\): moved to /)
  t.false(alive(a.pid))
  t.false(alive(b.pid))
  t.is(fs.readdirSync(path.join(host.root, 'corrupt')).length, 2)
  t.is(await host.ok('ps', '-aq'), '')
  const again = await host.mr('ps', '-a')
  t.is(again.stderr, '', 'nothing left to warn about')
  t.deepEqual(await host.leaks(), [])
  t.deepEqual(await nftElements(), [])
  fs.rmSync(path.join(host.root, 'corrupt'), {recursive: true})
})

test.serial('a corrupt network record: run on other networks works (one warning), commands on it name the file, prune moves it aside', async (t) => {
  await host.ok('network', 'create', 'broken')
  const file = path.join(host.root, 'networks', 'broken.json')
  fs.writeFileSync(file, '{"id": "abc", "na')
  const r = await host.mr('run', '--rm', 'busybox', 'echo', 'still-works')
  t.is(r.exitCode, 0, r.stderr)
  t.regex(r.stdout, /still-works/)
  // a run that lists networks warns once about the file; one that need not list them says nothing
  if (r.stderr) t.regex(r.stderr, new RegExp(`^WARNING: skipping ${file.replace(/[.]/g, '\\.')}: [^\n]*\n$`))
  oneError(t, await host.mr('run', '--rm', '--network', 'broken', 'busybox', 'true'), new RegExp(`^Error: cannot read ${file.replace(/[.]/g, '\\.')}: `))
  oneError(t, await host.mr('network', 'inspect', 'broken'), /^Error: cannot read .*broken\.json: /)
  const ls = await host.mr('network', 'ls')
  t.is(ls.exitCode, 0, ls.stderr)
  t.regex(ls.stdout, /\bbridge\b/)
  const prune = await host.ok('system', 'prune', '-f')
  t.regex(prune, /unreadable record .*broken\.json .*moved to /)
  t.false(fs.existsSync(file))
  t.is((await host.mr('network', 'ls')).stderr, '')
  t.deepEqual(await host.leaks(), [])
  fs.rmSync(path.join(host.root, 'corrupt'), {recursive: true})
})

test.serial('a corrupt pod record: pod ls warns and goes on, pod inspect names the file, prune moves it aside', async (t) => {
  await host.ok('pod', 'create', '--name', 'okpod')
  await host.ok('pod', 'create', '--name', 'badpod')
  const file = path.join(host.root, 'pods', 'badpod', 'pod.json')
  fs.writeFileSync(file, '{"id": 1')
  const ls = await host.mr('pod', 'ls')
  t.is(ls.exitCode, 0, ls.stderr)
  t.regex(ls.stdout, /okpod/)
  t.is(lines(ls.stderr).length, 1)
  t.regex(ls.stderr, /^WARNING: skipping .*badpod\/pod\.json: /)
  oneError(t, await host.mr('pod', 'inspect', 'badpod'), /^Error: cannot read .*badpod\/pod\.json: /)
  const prune = await host.ok('system', 'prune', '-f')
  t.regex(prune, /unreadable record .*badpod\/pod\.json .*moved to /)
  t.is((await host.mr('pod', 'ls')).stderr, '')
  await host.ok('pod', 'rm', '-f', 'okpod')
  await host.ok('rm', '-f', 'badpod-infra') // its pause container is an ordinary container now
  t.deepEqual(await host.leaks(), [])
  fs.rmSync(path.join(host.root, 'corrupt'), {recursive: true})
})

test.serial('a full disk: network create, pod create and run fail in one line naming the file, leaving no .tmp or half-made state', async (t) => {
  const tiny = path.join(host.dir, 'tiny')
  const env = {MINIRUN_ROOT: tiny, MINIRUN_RUNTIME_DIR: path.join(host.dir, 'tiny-run')}
  const mr = (...a: string[]) => host.exec([process.execPath, BIN, ...a], {env})
  t.teardown(async () => {
    await host.exec([process.execPath, BIN, 'system', 'prune', '-f'], {env})
    await host.sh(`umount ${tiny}`)
  })
  t.is((await host.sh(`mkdir -p ${tiny} && mount -t tmpfs -o size=8m tmpfs ${tiny}`)).exitCode, 0)
  t.is((await mr('run', '--rm', 'busybox', 'true')).exitCode, 0, 'control: it works before the disk is full (and the default bridge has its record)')
  await host.sh(`dd if=/dev/zero of=${tiny}/fill bs=4k 2>/dev/null; sync`)
  const listing = () => (fs.existsSync(tiny) ? fs.readdirSync(tiny, {recursive: true}).map(String).sort() : [])
  const before = listing()

  const net = await mr('network', 'create', 'fullnet')
  oneError(t, net, /^Error: cannot write \(.*networks\/fullnet\.json\): no space left on device; free some space/)
  const pod = await mr('pod', 'create', '--name', 'fullpod')
  oneError(t, pod, /^Error: .*no space left on device; free some space/)
  const run = await mr('run', '--rm', '--network', 'none', 'busybox', 'true')
  oneError(t, run, /^Error: .*no space left on device; free some space/)
  t.deepEqual(listing().filter((f) => f.endsWith('.tmp')), [], 'no .tmp files')
  t.deepEqual(listing(), before, 'nothing half-made in the store')
  // the tiny root's default bridge and table stay (as docker0): its own prune, with room again, removes them
  fs.rmSync(path.join(tiny, 'fill'), {force: true})
  t.is((await mr('system', 'prune', '-f')).exitCode, 0)
  t.deepEqual(await host.leaks(), [`mount: ${tiny}`])
})


test.serial('20,000 -e flags: the container sees the first and the last (linear parsing)', async (t) => {
  t.timeout(600_000)
  const env: string[] = []
  for (let i = 0; i < 20_000; i++) env.push('-e', `V${i}=value${i}`)
  const r = await host.exec([process.execPath, BIN, 'run', '--rm', '--network', 'none', ...env, 'busybox', 'sh', '-c', 'echo "$V0 $V19999 $V12345"'], {timeout: 300_000})
  t.is(r.exitCode, 0, r.stderr)
  t.is(r.stdout.trim(), 'value0 value19999 value12345')
  t.deepEqual(await host.leaks(), [])
})
