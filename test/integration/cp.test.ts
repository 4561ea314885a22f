import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, TestHost} from '../helpers/host.js'

// Issue 14: `cp` both ways, and the container's content as hostile: its symlinks never make cp
// read or write a host path outside the container's root.

let host: TestHost
let work: string
test.before(async () => {
  host = await TestHost.create('cp')
  work = path.join(host.dir, 'work')
  fs.mkdirSync(work)
})
test.after.always(async () => {
  await host?.close()
})
test.afterEach.always(async () => {
  await host.clear()
})

const mr = (args: string[], input?: string | Buffer) => host.exec([process.execPath, BIN, ...args], {input: input as string})
/** a running container that planted links to the host's / and /etc, and to .. (/gone: through a missing directory) */
const hostile = async (name: string) => {
  await host.ok('run', '-d', '--name', name, '--network', 'none', 'busybox', 'sh', '-c', 'mkdir -p /d/s && echo in > /d/s/f && ln -sfn /etc /out && ln -sfn / /link && ln -sfn .. /up && ln -sfn ../../../.. /d/deep && ln -sfn /nope/../../../../../../../../../../../.. /gone && touch /ready && sleep 600')
  for (let i = 0; i < 100 && (await host.mr('exec', name, 'test', '-e', '/ready')).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 50))
}

test.serial('cp out: files, directories, "dir/." contents and a tar on stdout; a stopped container too', async (t) => {
  await hostile('src1')
  await host.ok('cp', 'src1:/d/s/f', path.join(work, 'f'))
  t.is(fs.readFileSync(path.join(work, 'f'), 'utf8'), 'in\n')
  await host.ok('cp', 'src1:/d', path.join(work, 'd1'))
  t.is(fs.readFileSync(path.join(work, 'd1', 's', 'f'), 'utf8'), 'in\n')
  fs.mkdirSync(path.join(work, 'into'))
  await host.ok('cp', 'src1:/d', path.join(work, 'into'))
  t.true(fs.existsSync(path.join(work, 'into', 'd', 's', 'f')), 'into an existing directory: DEST/basename')
  fs.mkdirSync(path.join(work, 'contents'))
  await host.ok('cp', 'src1:/d/.', path.join(work, 'contents'))
  t.true(fs.existsSync(path.join(work, 'contents', 's', 'f')), '"/." copies the contents')
  t.regex(await host.ok('cp', 'src1:/etc/hostname', '-'), /^hostname/, "a tar of minirun's /etc/hostname")
  const list = await host.sh(`${process.execPath} ${BIN} cp src1:/d - | tar -t`)
  t.deepEqual(list.stdout.split('\n').filter(Boolean).sort(), ['d/', 'd/deep', 'd/s/', 'd/s/f'], list.stderr)
  t.is(fs.readlinkSync(path.join(work, 'd1', 'deep')), '../../../..', 'a link inside is copied as a link')
  const r = await mr(['cp', 'src1:/nosuch', path.join(work, 'x')])
  t.is(r.exitCode, 1)
  t.regex(r.stderr, /^Error: could not find \/nosuch in container src1\n$/)
  await host.ok('stop', '-t', '0', 'src1')
  await host.ok('cp', 'src1:/d/s/f', path.join(work, 'stopped'))
  t.is(fs.readFileSync(path.join(work, 'stopped'), 'utf8'), 'in\n')
  await host.ok('rm', 'src1')
  t.deepEqual(await host.leaks(), [])
})

test.serial('cp in: files, directories, a tar on stdin, under a new name; into a stopped container too', async (t) => {
  await hostile('dst1')
  fs.mkdirSync(path.join(work, 'tree', 'sub'), {recursive: true})
  fs.writeFileSync(path.join(work, 'tree', 'sub', 'g'), 'host\n')
  fs.writeFileSync(path.join(work, 'h'), 'host file\n')
  await host.ok('cp', path.join(work, 'h'), 'dst1:/tmp')
  await host.ok('cp', path.join(work, 'h'), 'dst1:/tmp/renamed')
  await host.ok('cp', path.join(work, 'tree'), 'dst1:/opt')
  await host.ok('cp', path.join(work, 'tree'), 'dst1:/tmp')
  t.is(await host.ok('exec', 'dst1', 'sh', '-c', 'cat /tmp/h /tmp/renamed /opt/sub/g /tmp/tree/sub/g'), 'host file\nhost file\nhost\nhost')
  const tar = await host.sh(`tar -C ${work} -c tree | ${process.execPath} ${BIN} cp - dst1:/d`)
  t.is(tar.exitCode, 0, tar.stderr)
  t.is(await host.ok('exec', 'dst1', 'cat', '/d/tree/sub/g'), 'host')
  const r = await mr(['cp', path.join(work, 'tree'), 'dst1:/d/s/f'])
  t.is(r.exitCode, 1)
  t.regex(r.stderr, /^Error: cannot copy a directory to a file/)
  t.regex((await mr(['cp', path.join(work, 'h'), 'dst1:/nodir/x'])).stderr, /^Error: no such directory in container dst1: \/nodir\n$/)
  t.regex((await mr(['cp', path.join(work, 'h'), 'dst1:/nodir/'])).stderr, /^Error: destination directory \/nodir\/ does not exist/)
  t.regex((await mr(['cp', 'dst1:/a', 'dst1:/b'])).stderr, /^Error: copying between containers is not supported/)
  await host.ok('stop', '-t', '0', 'dst1')
  await host.ok('cp', path.join(work, 'h'), 'dst1:/stopped')
  await host.ok('start', 'dst1')
  t.is(await host.ok('exec', 'dst1', 'cat', '/stopped'), 'host file')
  await host.ok('rm', '-f', 'dst1')
  t.deepEqual(await host.leaks(), [])
})

test.serial("attack: cp out through the container's links to /etc, / and .. reads only the container's files", async (t) => {
  await hostile('ev1')
  // the host (test host) has its own /etc/passwd; the container's busybox one has "nobody:x:65534"
  await host.ok('cp', 'ev1:/out/passwd', path.join(work, 'pw'))
  t.is(fs.readFileSync(path.join(work, 'pw'), 'utf8'), await host.ok('exec', 'ev1', 'cat', '/etc/passwd') + '\n')
  for (const p of ['/link/etc/shadow', '/up/up/etc/shadow', '/d/deep/etc/shadow', '/../../../etc/shadow', '/gone/etc/shadow']) {
    const r = await mr(['cp', `ev1:${p}`, path.join(work, 'shadow')])
    t.is(r.exitCode, 1, `${p}: ${r.stderr}`)
    t.false(fs.existsSync(path.join(work, 'shadow')), p)
  }
  // the link itself is copied as a link, never followed
  await host.ok('cp', 'ev1:/out', path.join(work, 'outlink'))
  t.is(fs.readlinkSync(path.join(work, 'outlink')), '/etc')
  const tar = await host.sh(`${process.execPath} ${BIN} cp ev1:/link/etc - | tar -t | head -50`)
  t.false(/shadow|ssh|sudoers/.test(tar.stdout), "the container's /etc, not the host's")
  await host.ok('rm', '-f', 'ev1')
  t.deepEqual(await host.leaks(), [])
})

test.serial("attack: cp into the container's links to /, .. and /etc never writes on the host", async (t) => {
  await hostile('ev2')
  fs.writeFileSync(path.join(work, 'payload'), 'owned\n')
  const marker = `mr-cp-attack-${process.pid}`
  // /gone: a missing directory, then ".." above the root, once resolved as the host's /
  const tries = [`/link/tmp/${marker}`, `/up/tmp/${marker}`, `/d/deep/tmp/${marker}`, `/../../tmp/${marker}`, `/link/${marker}`, `/up/${marker}`, `/gone/tmp/${marker}`]
  for (const p of tries) await mr(['cp', path.join(work, 'payload'), `ev2:${p}`])
  // a tar on stdin with .. and absolute names, and an entry that goes through the planted link
  const evil = path.join(host.dir, 'evil')
  fs.mkdirSync(path.join(evil, 'link'), {recursive: true})
  fs.writeFileSync(path.join(evil, 'link', marker), 'owned\n')
  t.is((await host.sh(`tar -C ${evil} -cf ${host.dir}/evil.tar link && tar -C ${evil} -cPf ${host.dir}/abs.tar --transform 's,^,/tmp/,' link`)).exitCode, 0)
  await host.sh(`${process.execPath} ${BIN} cp - ev2:/ < ${host.dir}/evil.tar`)
  await host.sh(`${process.execPath} ${BIN} cp - ev2:/link < ${host.dir}/evil.tar`)
  await host.sh(`${process.execPath} ${BIN} cp - ev2:/up < ${host.dir}/abs.tar`)
  const dotdot = await host.sh(`printf 'x' > ${host.dir}/x && tar -C ${host.dir} -cPf - --transform 's,^,../../../tmp/,' x | ${process.execPath} ${BIN} cp - ev2:/d`)
  t.not(dotdot.exitCode, 0, 'a ".." entry is refused')
  // nothing reached the host's / or /tmp (the test host shares the machine's filesystem)
  for (const p of [`/tmp/${marker}`, `/${marker}`, `/tmp/link/${marker}`, '/tmp/x']) t.false(fs.existsSync(p), p)
  // ...and the writes that succeeded landed inside the container
  t.regex(await host.ok('exec', 'ev2', 'sh', '-c', `ls /tmp/${marker} /${marker}`), new RegExp(marker))
  await host.ok('rm', '-f', 'ev2')
  t.deepEqual(await host.leaks(), [])
})

test.serial('cp reads and writes a volume mounted in the container', async (t) => {
  await host.ok('run', '-d', '--name', 'vc', '--network', 'none', '-v', 'cpvol:/data', 'busybox', 'sleep', '600')
  fs.writeFileSync(path.join(work, 'v'), 'to volume\n')
  await host.ok('cp', path.join(work, 'v'), 'vc:/data/v')
  t.is(await host.ok('exec', 'vc', 'cat', '/data/v'), 'to volume')
  await host.ok('exec', 'vc', 'sh', '-c', 'echo from > /data/w')
  await host.ok('cp', 'vc:/data/w', path.join(work, 'w'))
  t.is(fs.readFileSync(path.join(work, 'w'), 'utf8'), 'from\n')
  await host.ok('rm', '-fv', 'vc')
  await host.ok('volume', 'rm', 'cpvol')
  t.deepEqual(await host.leaks(), [])
})
