import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import type {ExecutionContext} from 'ava'
import {UserError} from '../../src/errors.js'
import {entryComponents, extractTar, safeMode, type ExtractOptions} from '../../src/images/extract.js'
import {treeSize} from '../../src/images/store.js'
import {gzip, sha256, snapshot, tarArchive, type TarEntry} from '../helpers/tarballs.js'

// Each hostile case runs in a sandbox: sandbox/victim (files an attacker would like to change),
// sandbox/outside, sandbox/dest (where the archive goes). After extraction, the snapshot of the
// sandbox minus dest must be byte-for-byte and mode-for-mode the same: nothing escaped.

interface Sandbox {
  dir: string
  dest: string
  victim: string
}

async function sandbox(t: ExecutionContext): Promise<Sandbox> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'minirun-extract-'))
  t.teardown(() => fs.rm(dir, {recursive: true, force: true}))
  const victim = path.join(dir, 'victim')
  await fs.mkdir(path.join(victim, 'sub'), {recursive: true})
  await fs.writeFile(path.join(victim, 'secret'), 'do not touch\n', {mode: 0o600})
  await fs.writeFile(path.join(victim, 'sub', 'deep'), 'deep\n')
  await fs.writeFile(path.join(dir, 'outside'), 'outside\n')
  await fs.chmod(victim, 0o750)
  const dest = path.join(dir, 'dest')
  await fs.mkdir(dest)
  return {dir, dest, victim}
}

async function archive(sb: Sandbox, name: string, content: Buffer): Promise<string> {
  const file = path.join(sb.dir, name)
  await fs.writeFile(file, content)
  return file
}

/** Extract a crafted archive and check the sandbox outside dest did not change; returns the outcome. */
async function hostile(t: ExecutionContext, entries: TarEntry[] | Buffer, opts: ExtractOptions = {}): Promise<{sb: Sandbox; error?: unknown}> {
  const sb = await sandbox(t)
  const file = await archive(sb, 'evil.tar', Buffer.isBuffer(entries) ? entries : tarArchive(entries))
  const etcPasswd = await fs.stat('/etc/passwd')
  const before = await snapshot(sb.dir, ['dest'])
  let error: unknown
  try {
    await extractTar(file, sb.dest, opts)
  } catch (error_) {
    error = error_
  }
  t.deepEqual(await snapshot(sb.dir, ['dest']), before, 'nothing outside dest changed')
  const after = await fs.stat('/etc/passwd')
  t.is(after.nlink, etcPasswd.nlink, 'host /etc/passwd gained no hard link')
  t.is(after.mtimeMs, etcPasswd.mtimeMs)
  return {sb, error}
}

function refused(t: ExecutionContext, error: unknown, pattern: RegExp): void {
  t.true(error instanceof UserError, `expected a UserError, got ${String(error)}`)
  t.regex((error as Error).message, pattern)
  t.false((error as Error).message.includes('\n'), 'one-line message')
}

async function lexists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  )
}

test('"../escape" is refused', async (t) => {
  const {error} = await hostile(t, [{name: '../escape', data: 'x'}])
  refused(t, error, /entry "\.\.\/escape" has a "\.\." component/)
})

test('"a/../../x" is refused', async (t) => {
  const {error} = await hostile(t, [{name: 'a/../../x', data: 'x'}])
  refused(t, error, /"\.\." component/)
})

test('an absolute name is contained: /abs/path lands inside dest', async (t) => {
  const {sb, error} = await hostile(t, [{name: '/abs/path', data: 'inside'}])
  t.is(error, undefined)
  t.is(await fs.readFile(path.join(sb.dest, 'abs/path'), 'utf8'), 'inside')
})

test('symlink to an absolute host dir, then a file through it: contained in dest', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'evil.tar',
    tarArchive([
      {name: 'evil', type: 'symlink', linkname: sb.victim},
      {name: 'evil/pwned', data: 'pwned'},
      {name: 'evil/secret', data: 'overwritten'},
    ]),
  )
  const before = await snapshot(sb.dir, ['dest'])
  await extractTar(file, sb.dest)
  t.deepEqual(await snapshot(sb.dir, ['dest']), before)
  // The absolute target is read with dest as "/": the file went to dest/<victim path>/pwned.
  t.is(await fs.readFile(path.join(sb.dest, sb.victim, 'pwned'), 'utf8'), 'pwned')
  t.is(await fs.readlink(path.join(sb.dest, 'evil')), sb.victim, 'the symlink itself is stored as given')
})

test('a chain of symlinks escaping is contained', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'evil.tar',
    tarArchive([
      {name: 'a', type: 'symlink', linkname: 'b'},
      {name: 'b', type: 'symlink', linkname: 'c/../../..'},
      {name: 'c', type: 'dir'},
      {name: 'a/victim/secret', data: 'overwritten'},
      {name: 'a/outside', data: 'overwritten'},
    ]),
  )
  const before = await snapshot(sb.dir, ['dest'])
  await extractTar(file, sb.dest)
  t.deepEqual(await snapshot(sb.dir, ['dest']), before)
  t.is(await fs.readFile(path.join(sb.dest, 'outside'), 'utf8'), 'overwritten')
})

test('a dir the archive later replaces with a symlink to the host: files after it are still contained', async (t) => {
  // The writer remembers where parent dirs lead; replacing one must make it look again.
  const {sb, error} = await hostile(t, [
    {name: 'd/', type: 'dir'},
    {name: 'd/sub/', type: 'dir'},
    {name: 'd/sub/first', data: 'first'},
    {name: 'd', type: 'symlink', linkname: '../victim'}, // followed from dest/d: the sandbox's victim/, which has sub/
    {name: 'd/sub/second', data: 'second'},
    {name: 'd/secret', data: 'overwritten'},
  ])
  t.is(error, undefined)
  t.is(await fs.readlink(path.join(sb.dest, 'd')), '../victim')
  t.is(await fs.readFile(path.join(sb.dest, 'victim/sub/second'), 'utf8'), 'second')
  t.is(await fs.readFile(path.join(sb.dest, 'victim/secret'), 'utf8'), 'overwritten')
})

test('modes the umask would cut are kept exactly; root-owned entries stay root:root under a setgid dest', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'modes.tar',
    tarArchive([
      {name: 'open', data: 'x', mode: 0o666},
      {name: 'tool', data: 'x', mode: 0o777},
      {name: 'plain', data: 'x', mode: 0o644},
      {name: 'dir/', type: 'dir', mode: 0o775},
      {name: 'dir/in', data: 'x', mode: 0o600},
    ]),
  )
  await fs.chmod(sb.dest, 0o2755)
  if (process.getuid?.() === 0) await fs.chown(sb.dest, 0, 4242)
  await extractTar(file, sb.dest)
  const mode = async (p: string) => (await fs.stat(path.join(sb.dest, p))).mode & 0o7777
  t.is(await mode('open'), 0o666)
  t.is(await mode('tool'), 0o777)
  t.is(await mode('plain'), 0o644)
  t.is(await mode('dir'), 0o775)
  t.is(await mode('dir/in'), 0o600)
  if (process.getuid?.() === 0) {
    for (const p of ['open', 'dir', 'dir/in']) t.is((await fs.stat(path.join(sb.dest, p))).gid, 0, `${p} is root:root, not the setgid dest's group`)
  }
})

test('relative symlink "up -> ../../.." then "up/x" lands at dest/x', async (t) => {
  const {sb, error} = await hostile(t, [
    {name: 'up', type: 'symlink', linkname: '../../..'},
    {name: 'up/x', data: 'x'},
  ])
  t.is(error, undefined)
  t.is(await fs.readFile(path.join(sb.dest, 'x'), 'utf8'), 'x')
})

test('a symlink loop is refused, not followed forever', async (t) => {
  const {error} = await hostile(t, [
    {name: 'l1', type: 'symlink', linkname: 'l2'},
    {name: 'l2', type: 'symlink', linkname: 'l1'},
    {name: 'l1/x', data: 'x'},
  ])
  refused(t, error, /too many symbolic links/)
})

test('hardlink to /etc/passwd is refused (it is not in the archive)', async (t) => {
  const {error} = await hostile(t, [{name: 'passwd', type: 'hardlink', linkname: '/etc/passwd'}])
  refused(t, error, /hard link to "\/etc\/passwd", which is not in the archive/)
})

test('hardlink to ../outside is refused', async (t) => {
  const {error} = await hostile(t, [{name: 'o', type: 'hardlink', linkname: '../outside'}])
  refused(t, error, /"\.\." component/)
})

test('hardlink through a symlinked parent to a host file is refused', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'evil.tar',
    tarArchive([
      {name: 'v', type: 'symlink', linkname: sb.victim},
      {name: 'h', type: 'hardlink', linkname: 'v/secret'},
    ]),
  )
  const before = await snapshot(sb.dir, ['dest'])
  const error = await t.throwsAsync(extractTar(file, sb.dest))
  refused(t, error, /not in the archive/)
  t.deepEqual(await snapshot(sb.dir, ['dest']), before)
})

test('writing a file over a symlink replaces the link, never writes through it', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'evil.tar',
    tarArchive([
      {name: 'f', type: 'symlink', linkname: path.join(sb.victim, 'secret')},
      {name: 'f', data: 'new', mode: 0o666},
      {name: 'd', type: 'symlink', linkname: sb.victim},
      {name: 'd', type: 'dir', mode: 0o777},
    ]),
  )
  const before = await snapshot(sb.dir, ['dest'])
  await extractTar(file, sb.dest)
  t.deepEqual(await snapshot(sb.dir, ['dest']), before, 'victim content and mode (no chmod through the link) unchanged')
  t.is(await fs.readFile(path.join(sb.dest, 'f'), 'utf8'), 'new')
  t.true((await fs.lstat(path.join(sb.dest, 'd'))).isDirectory())
})

test('device nodes and FIFOs are skipped, never created', async (t) => {
  const {sb, error} = await hostile(t, [
    {name: 'dev/sda', type: 'block'},
    {name: 'dev/mem', type: 'char'},
    {name: 'fifo', type: 'fifo'},
    {name: 'ok', data: 'ok'},
  ])
  t.is(error, undefined)
  t.false(await lexists(path.join(sb.dest, 'dev/mem')))
  t.false(await lexists(path.join(sb.dest, 'dev/sda')))
  t.false(await lexists(path.join(sb.dest, 'fifo')))
  t.is(await fs.readFile(path.join(sb.dest, 'ok'), 'utf8'), 'ok')
})

test('setuid and setgid bits are stripped; sticky kept on dirs only', async (t) => {
  const {sb, error} = await hostile(t, [
    {name: 'suid', data: '#!/bin/sh\n', mode: 0o6755},
    {name: 'tmp', type: 'dir', mode: 0o1777},
    {name: 'sgid-dir', type: 'dir', mode: 0o2775},
  ])
  t.is(error, undefined)
  t.is((await fs.stat(path.join(sb.dest, 'suid'))).mode & 0o7777, 0o755)
  t.is((await fs.stat(path.join(sb.dest, 'tmp'))).mode & 0o7777, 0o1777)
  t.is((await fs.stat(path.join(sb.dest, 'sgid-dir'))).mode & 0o7777, 0o775)
  t.is(safeMode(0o4755, false), 0o755)
})

test('entry "." as a symlink (replacing the root) is refused', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(sb, 'evil.tar', tarArchive([{name: '.', type: 'symlink', linkname: sb.victim}, {name: 'x', data: 'x'}]))
  const before = await snapshot(sb.dir, ['dest'])
  const error = await t.throwsAsync(extractTar(file, sb.dest))
  refused(t, error, /would replace the root/)
  t.deepEqual(await snapshot(sb.dir, ['dest']), before)
  t.true((await fs.lstat(sb.dest)).isDirectory())
})

test('entry "." as a file, or "/" as a hard link, is refused', async (t) => {
  const r1 = await hostile(t, [{name: '.', data: 'x'}])
  refused(t, r1.error, /would replace the root/)
  const r2 = await hostile(t, [{name: 'a', data: 'a'}, {name: '/', type: 'hardlink', linkname: 'a'}])
  refused(t, r2.error, /would replace the root/)
})

test('a truncated archive is an error', async (t) => {
  const full = tarArchive([{name: 'big', data: Buffer.alloc(5000, 7)}])
  const {error} = await hostile(t, full.subarray(0, 2000))
  refused(t, error, /is truncated or corrupt/)
})

test('a corrupt gzip stream is an error', async (t) => {
  const gz = gzip(tarArchive([{name: 'a', data: 'hello'.repeat(1000)}]))
  gz.fill(0x55, 20, 60)
  const {error} = await hostile(t, gz)
  refused(t, error, /is truncated or corrupt/)
})

test('a truncated gzip stream is an error', async (t) => {
  const gz = gzip(tarArchive([{name: 'a', data: Buffer.from(Array.from({length: 20_000}, (_, i) => i % 251))}]))
  const {error} = await hostile(t, gz.subarray(0, Math.floor(gz.length / 2)))
  refused(t, error, /is truncated or corrupt/)
})

test('a header claiming 10 GB with no data fails fast', async (t) => {
  const started = Date.now()
  const {sb, error} = await hostile(t, tarArchive([{name: 'huge', size: 10 * 1024 ** 3, data: 'tiny'}], {end: false}), {budget: {used: 0, max: 8 * 1024 ** 3}})
  refused(t, error, /over the \d+-byte limit|is truncated or corrupt/)
  t.true(Date.now() - started < 5000)
  t.false(await lexists(path.join(sb.dest, 'huge')))
})

test('a header claiming 10 GB with no data fails fast even under a bigger limit (truncated)', async (t) => {
  const started = Date.now()
  const {sb, error} = await hostile(t, tarArchive([{name: 'huge', size: 10 * 1024 ** 3, data: 'tiny'}], {end: false}), {budget: {used: 0, max: 100 * 1024 ** 3}})
  refused(t, error, /is truncated or corrupt/)
  t.true(Date.now() - started < 5000)
  const st = await fs.stat(path.join(sb.dest, 'huge')).catch(() => undefined)
  t.true(!st || st.size < 1024 * 1024, 'no 10 GB write')
})

test('the uncompressed size limit is enforced across layers, before any data is written', async (t) => {
  const sb = await sandbox(t)
  const budget = {used: 0, max: 6000}
  const l1 = await archive(sb, 'l1.tar', tarArchive([{name: 'a', data: Buffer.alloc(4000, 1)}]))
  const l2 = await archive(sb, 'l2.tar', tarArchive([{name: 'b', data: Buffer.alloc(4000, 2)}]))
  await extractTar(l1, sb.dest, {budget})
  const error = await t.throwsAsync(extractTar(l2, sb.dest, {budget}))
  refused(t, error, /entry "b" \(4000 bytes\) takes the image over the 6000-byte limit; set MINIRUN_MAX_IMAGE_BYTES/)
  t.false(await lexists(path.join(sb.dest, 'b')))
})

test('whiteouts of "." or ".." are refused', async (t) => {
  const r1 = await hostile(t, [{name: 'a/.wh...', data: ''}], {whiteouts: true})
  refused(t, r1.error, /whiteout of an invalid name/)
  const r2 = await hostile(t, [{name: '.wh..', data: ''}], {whiteouts: true})
  refused(t, r2.error, /whiteout of an invalid name/)
  const r3 = await hostile(t, [{name: '.wh.../..', data: ''}], {whiteouts: true})
  refused(t, r3.error, /"\.\." component/)
})

test('whiteouts and opaque markers through a symlink to the host are contained', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'evil.tar',
    tarArchive([
      {name: 'w', type: 'symlink', linkname: sb.victim},
      {name: 'w/.wh.secret', data: ''},
      {name: 'w/sub/.wh..wh..opq', data: ''},
      {name: 'up', type: 'symlink', linkname: '../..'},
      {name: 'up/.wh.outside', data: ''},
    ]),
  )
  const before = await snapshot(sb.dir, ['dest'])
  await extractTar(file, sb.dest, {whiteouts: true})
  t.deepEqual(await snapshot(sb.dir, ['dest']), before)
})

test('a NUL in a name is refused', (t) => {
  t.throws(() => entryComponents('a\0b', 'x.tar'), {instanceOf: UserError, message: /NUL/})
  t.deepEqual(entryComponents('./a//b/./c/', 'x.tar'), ['a', 'b', 'c'])
  t.deepEqual(entryComponents('/', 'x.tar'), [])
})

test('zstd-compressed archives get a clear error', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(sb, 'z.tar.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]))
  const error = await t.throwsAsync(extractTar(file, sb.dest))
  refused(t, error, /zstd layers are not supported/)
})

// ---- normal archives ----

test('files, dirs, symlinks and hardlinks are extracted with content, modes and owners', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'ok.tar.gz',
    gzip(
      tarArchive([
        {name: './', type: 'dir'},
        {name: './bin/', type: 'dir', mode: 0o755},
        {name: './bin/tool', data: 'ELF...', mode: 0o755, uid: 1000, gid: 1001},
        {name: './bin/sh', type: 'symlink', linkname: '/bin/busybox'},
        {name: './bin/tool2', type: 'hardlink', linkname: './bin/tool'},
        {name: './etc/conf', data: 'k=v\n', mode: 0o640},
        {name: './empty', data: ''},
      ]),
    ),
  )
  const stats = await extractTar(file, sb.dest)
  t.is(stats.entries, 7)
  t.is(await fs.readFile(path.join(sb.dest, 'bin/tool'), 'utf8'), 'ELF...')
  const tool = await fs.stat(path.join(sb.dest, 'bin/tool'))
  t.is(tool.mode & 0o7777, 0o755)
  if (process.getuid?.() === 0) {
    t.is(tool.uid, 1000)
    t.is(tool.gid, 1001)
  }
  t.is(await fs.readlink(path.join(sb.dest, 'bin/sh')), '/bin/busybox')
  t.is((await fs.stat(path.join(sb.dest, 'bin/tool2'))).ino, tool.ino)
  t.is((await fs.stat(path.join(sb.dest, 'etc/conf'))).mode & 0o777, 0o640)
  t.is(sha256(await fs.readFile(path.join(sb.dest, 'empty'))), sha256(''))
  t.is(stats.treeBytes, await treeSize(sb.dest), 'the size counted while unpacking is what a walk of the tree finds')
})

test('the tree size is only counted into an empty dest where nothing was replaced', async (t) => {
  const sb = await sandbox(t)
  const replacing = await archive(sb, 'r.tar', tarArchive([{name: 'a', data: 'first'}, {name: 'a', data: 'second, longer'}]))
  t.is((await extractTar(replacing, path.join(sb.dir, 'r'))).treeBytes, undefined, 'a replaced entry: only a walk knows')
  const plain = await archive(sb, 'p.tar', tarArchive([{name: 'a', data: 'first'}]))
  t.is((await extractTar(plain, path.join(sb.dir, 'r'))).treeBytes, undefined, 'dest not empty: it holds more than this archive')
  t.is((await extractTar(plain, path.join(sb.dir, 'p'))).treeBytes, 5)
})

test('an archive of zero blocks only (an empty layer) is fine', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(sb, 'empty.tar', Buffer.alloc(1024))
  t.is((await extractTar(file, sb.dest)).entries, 0)
})

test('a file that is not a tar archive is an error', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(sb, 'notes.txt', Buffer.from('hello world\n'.repeat(100)))
  const error = await t.throwsAsync(extractTar(file, sb.dest))
  refused(t, error, /is truncated or corrupt/)
})

test('a whiteout removes a file of the lower layer and is not written itself', async (t) => {
  const sb = await sandbox(t)
  const lower = await archive(sb, 'l1.tar', tarArchive([{name: 'etc/a', data: 'a'}, {name: 'etc/b', data: 'b'}, {name: 'dir/x/y', data: 'y'}]))
  const upper = await archive(sb, 'l2.tar', tarArchive([{name: 'etc/.wh.a', data: ''}, {name: '.wh.dir', data: ''}, {name: 'etc/c', data: 'c'}]))
  await extractTar(lower, sb.dest, {whiteouts: true})
  await extractTar(upper, sb.dest, {whiteouts: true})
  t.deepEqual((await fs.readdir(path.join(sb.dest, 'etc'))).sort(), ['b', 'c'])
  t.false(await lexists(path.join(sb.dest, 'dir')))
})

test('without whiteout mode, .wh. files are ordinary files (outer archives)', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(sb, 'plain.tar', tarArchive([{name: 'a/.wh.b', data: 'z'}]))
  await extractTar(file, sb.dest)
  t.is(await fs.readFile(path.join(sb.dest, 'a/.wh.b'), 'utf8'), 'z')
})

test('an opaque dir drops the lower content but keeps what the same layer writes, before or after the marker', async (t) => {
  const sb = await sandbox(t)
  const lower = await archive(
    sb,
    'l1.tar',
    tarArchive([
      {name: 'd/old', data: 'old'},
      {name: 'd/sub/old2', data: 'old2'},
      {name: 'd/keepname', data: 'lower'},
      {name: 'other/stay', data: 'stay'},
    ]),
  )
  const upper = await archive(
    sb,
    'l2.tar',
    tarArchive([
      {name: 'd/', type: 'dir'},
      {name: 'd/before', data: 'before'},
      {name: 'd/sub/new', data: 'new'},
      {name: 'd/.wh..wh..opq', data: ''},
      {name: 'd/after', data: 'after'},
      {name: 'd/keepname', data: 'upper'},
    ]),
  )
  await extractTar(lower, sb.dest, {whiteouts: true})
  await extractTar(upper, sb.dest, {whiteouts: true})
  t.deepEqual((await fs.readdir(path.join(sb.dest, 'd'))).sort(), ['after', 'before', 'keepname', 'sub'])
  t.deepEqual(await fs.readdir(path.join(sb.dest, 'd/sub')), ['new'])
  t.is(await fs.readFile(path.join(sb.dest, 'd/keepname'), 'utf8'), 'upper')
  t.is(await fs.readFile(path.join(sb.dest, 'other/stay'), 'utf8'), 'stay')
})

test('a later file replaces a hardlinked one without changing the other name', async (t) => {
  const sb = await sandbox(t)
  const file = await archive(
    sb,
    'h.tar',
    tarArchive([
      {name: 'a', data: 'first'},
      {name: 'b', type: 'hardlink', linkname: 'a'},
      {name: 'b', data: 'second'},
    ]),
  )
  await extractTar(file, sb.dest)
  t.is(await fs.readFile(path.join(sb.dest, 'a'), 'utf8'), 'first')
  t.is(await fs.readFile(path.join(sb.dest, 'b'), 'utf8'), 'second')
})

test('the digest of the uncompressed stream (a layer DiffID) comes with the extraction, gzip or not', async (t) => {
  const sb = await sandbox(t)
  // Trailing zero blocks count too: a DiffID is the sha256 of the whole tar, as `docker save` writes it.
  const tar = Buffer.concat([tarArchive([{name: 'a', data: 'x'.repeat(3000)}, {name: 'b/', type: 'dir'}]), Buffer.alloc(4096)])
  t.is((await extractTar(await archive(sb, 'l.tar', tar), path.join(sb.dir, 'plain'))).digest, `sha256:${sha256(tar)}`)
  t.is((await extractTar(await archive(sb, 'l.tgz', gzip(tar)), path.join(sb.dir, 'gz'))).digest, `sha256:${sha256(tar)}`)
})
