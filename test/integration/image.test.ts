import {createHash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type {ExecutionContext} from 'ava'
import {execa} from 'execa'
import {gunzipSync} from 'node:zlib'
import type {ImageRecord} from '../../src/images/types.js'
import {gzip, tarArchive, type TarEntry} from '../helpers/tarballs.js'

// Runs the real CLI (bin/run.js, built dist + oclif manifest) against a throwaway MINIRUN_ROOT.
// Images need no namespaces: nothing here touches the kernel's network state.

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../bin/run.js')

interface Root {
  dir: string
  env: Record<string, string>
}

async function freshRoot(t: ExecutionContext): Promise<Root> {
  const dir = await fs.mkdtemp('/tmp/minirun-image-test-')
  t.teardown(() => fs.rm(dir, {recursive: true, force: true}))
  return {dir, env: {MINIRUN_ROOT: path.join(dir, 'root'), MINIRUN_RUNTIME_DIR: path.join(dir, 'run'), CI: '1'}}
}

async function cli(root: Root, ...args: string[]) {
  return execa('node', [BIN, ...args], {env: root.env, reject: false, timeout: 60_000, stripFinalNewline: false})
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

// A two-layer image: layer 2 deletes /etc/gone (whiteout) and makes /data opaque.
const LAYER1: TarEntry[] = [
  {name: 'etc/', type: 'dir'},
  {name: 'etc/hello', data: 'hello from layer 1\n'},
  {name: 'etc/gone', data: 'to be whited out\n'},
  {name: 'data/', type: 'dir'},
  {name: 'data/old', data: 'old\n'},
  {name: 'bin/', type: 'dir'},
  {name: 'bin/app', data: '#!/bin/sh\necho app\n', mode: 0o755},
]
const LAYER2: TarEntry[] = [
  {name: 'etc/.wh.gone', data: ''},
  {name: 'data/new', data: 'new\n'},
  {name: 'data/.wh..wh..opq', data: ''},
  {name: 'app/', type: 'dir'},
  {name: 'app/index.html', data: '<p>hi</p>\n'},
]
const CONFIG = {
  architecture: 'amd64',
  os: 'linux',
  created: '2024-01-02T03:04:05Z',
  config: {Env: ['PATH=/bin', 'MODE=test'], Cmd: ['/bin/app', '--serve'], WorkingDir: '/app', ExposedPorts: {'8080/tcp': {}}, Labels: {x: 'y'}},
  // The uncompressed digest of each layer, bottom first: what every import checks its layers against.
  rootfs: {type: 'layers', diff_ids: [`sha256:${sha(tarArchive(LAYER1))}`, `sha256:${sha(tarArchive(LAYER2))}`]},
}
const EXPECTED_CONFIG = {Env: ['PATH=/bin', 'MODE=test'], Cmd: ['/bin/app', '--serve'], WorkingDir: '/app', ExposedPorts: {'8080/tcp': {}}}

// A forged top layer: what `evil/x` would ship under official/x's config.
const EVIL2: TarEntry[] = [{name: 'app/', type: 'dir'}, {name: 'app/index.html', data: '<p>owned</p>\n'}]

function dockerSave(layers: Buffer[] = [tarArchive(LAYER1), gzip(tarArchive(LAYER2))], config = Buffer.from(JSON.stringify(CONFIG))): Buffer {
  const cid = sha(config)
  const manifest = [{Config: `${cid}.json`, RepoTags: ['app:1'], Layers: ['l1/layer.tar', 'l2/layer.tar']}]
  return tarArchive([
    {name: `${cid}.json`, data: config},
    {name: 'l1/', type: 'dir'},
    {name: 'l1/layer.tar', data: layers[0]},
    {name: 'l2/', type: 'dir'},
    {name: 'l2/layer.tar', data: layers[1]},
    {name: 'manifest.json', data: JSON.stringify(manifest)},
  ])
}

/** OCI layout files (relative path -> content); the top index points at a nested index, as `docker save` 25+ and multi-arch images do. */
function ociLayout(top = gzip(tarArchive(LAYER2))): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  const put = (b: Buffer) => {
    const h = sha(b)
    files.set(`blobs/sha256/${h}`, b)
    return {digest: `sha256:${h}`, size: b.length}
  }
  const config = put(Buffer.from(JSON.stringify(CONFIG)))
  const l1 = put(tarArchive(LAYER1))
  const l2 = put(top)
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {mediaType: 'application/vnd.oci.image.config.v1+json', ...config},
        layers: [
          {mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l1},
          {mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l2},
        ],
      }),
    ),
  )
  const armManifest = put(Buffer.from(JSON.stringify({schemaVersion: 2, config: {digest: `sha256:${'0'.repeat(64)}`}, layers: []})))
  const nested = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {mediaType: 'application/vnd.oci.image.manifest.v1+json', ...armManifest, platform: {os: 'linux', architecture: 'arm64'}},
          {mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: {os: 'linux', architecture: 'amd64'}},
        ],
      }),
    ),
  )
  files.set('oci-layout', Buffer.from(JSON.stringify({imageLayoutVersion: '1.0.0'})))
  files.set('index.json', Buffer.from(JSON.stringify({schemaVersion: 2, manifests: [{mediaType: 'application/vnd.oci.image.index.v1+json', ...nested}]})))
  return files
}

async function writeLayoutDir(dir: string, files: Map<string, Buffer>): Promise<void> {
  for (const [rel, content] of files) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), {recursive: true})
    await fs.writeFile(path.join(dir, rel), content)
  }
}

function layoutTar(files: Map<string, Buffer>): Buffer {
  return tarArchive([{name: 'blobs/', type: 'dir'}, {name: 'blobs/sha256/', type: 'dir'}, ...[...files].map(([name, data]) => ({name, data}))])
}

async function lsJson(root: Root): Promise<Array<{Repository: string; Tag: string; ID: string; CreatedAt: string; Size: string}>> {
  const r = await cli(root, 'image', 'ls', '--format', 'json')
  if (r.exitCode !== 0) throw new Error(String(r.stderr))
  // one JSON object per line, as Docker >= 23
  return String(r.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

async function record(root: Root, id: string): Promise<ImageRecord> {
  return JSON.parse(await fs.readFile(path.join(root.env.MINIRUN_ROOT, 'images', id, 'image.json'), 'utf8'))
}

async function assertTwoLayerRootfs(t: ExecutionContext, rec: ImageRecord): Promise<void> {
  t.is(await fs.readFile(path.join(rec.rootfs, 'etc/hello'), 'utf8'), 'hello from layer 1\n')
  t.false(await fs.lstat(path.join(rec.rootfs, 'etc/gone')).then(() => true, () => false), 'whiteout applied')
  t.false(await fs.lstat(path.join(rec.rootfs, 'etc/.wh.gone')).then(() => true, () => false), 'whiteout not written')
  t.deepEqual((await fs.readdir(path.join(rec.rootfs, 'data'))).sort(), ['new'], 'opaque dir keeps only the upper layer')
  t.is((await fs.stat(path.join(rec.rootfs, 'bin/app'))).mode & 0o777, 0o755)
  t.is(await fs.readFile(path.join(rec.rootfs, 'app/index.html'), 'utf8'), '<p>hi</p>\n')
  t.deepEqual(rec.config, EXPECTED_CONFIG)
  t.is(rec.created, '2024-01-02T03:04:05.000Z')
}

async function noLeftovers(t: ExecutionContext, root: Root, images: string[]): Promise<void> {
  const list = async (d: string) => fs.readdir(path.join(root.env.MINIRUN_ROOT, d)).catch(() => [] as string[])
  t.deepEqual((await list('images')).sort(), images.sort(), 'images/ holds only finished images')
  t.deepEqual(await list('tmp'), [], 'tmp/ is empty')
}

test('import a plain rootfs tarball (gzip), list it, remove it', async (t) => {
  const root = await freshRoot(t)
  const file = path.join(root.dir, 'rootfs.tgz.weird-name')
  const content = gzip(tarArchive([{name: './', type: 'dir'}, {name: './etc/', type: 'dir'}, {name: './etc/motd', data: 'welcome\n'}, {name: './bin/sh', type: 'symlink', linkname: '/bin/busybox'}]))
  await fs.writeFile(file, content)
  const r = await cli(root, 'image', 'import', file, 'plain:v1')
  t.is(r.exitCode, 0, String(r.stderr))
  const id = String(r.stdout).trim()
  t.regex(id, /^[0-9a-f]{64}$/)
  t.is(id, sha(`minirun rootfs import\0sha256:${sha(gunzipSync(content))}`), 'id of a rootfs import: its uncompressed digest, kept apart from config digests')
  t.is(String(r.stderr), '', 'no progress output when stderr is not a TTY')
  const rec = await record(root, id)
  t.deepEqual(rec.repoTags, ['plain:v1'])
  t.deepEqual(rec.config, {})
  t.is(rec.rootfs, path.join(root.env.MINIRUN_ROOT, 'images', id, 'rootfs'))
  t.is(await fs.readFile(path.join(rec.rootfs, 'etc/motd'), 'utf8'), 'welcome\n')
  t.is(await fs.readlink(path.join(rec.rootfs, 'bin/sh')), '/bin/busybox')
  t.deepEqual(
    (await lsJson(root)).map((i) => [i.Repository, i.Tag, i.ID]),
    [['plain', 'v1', id.slice(0, 12)]],
  )
  const table = await cli(root, 'images')
  t.regex(String(table.stdout), /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\nplain\s+v1\s+[0-9a-f]{12}\s/)
  const rm = await cli(root, 'image', 'rm', 'plain:v1')
  t.is(rm.exitCode, 0, String(rm.stderr))
  t.is(String(rm.stdout), `Untagged: plain:v1\nDeleted: ${id}\n`)
  await noLeftovers(t, root, [])
})

test('import a docker save archive: two layers, whiteout, opaque dir, config', async (t) => {
  const root = await freshRoot(t)
  const file = path.join(root.dir, 'app.tar')
  await fs.writeFile(file, dockerSave())
  const r = await cli(root, 'image', 'import', file, 'app:1')
  t.is(r.exitCode, 0, String(r.stderr))
  const id = String(r.stdout).trim()
  t.is(id, sha(JSON.stringify(CONFIG)), 'id is the config digest, as docker')
  await assertTwoLayerRootfs(t, await record(root, id))
  await noLeftovers(t, root, [id])
})

test('import an OCI layout dir and an oci-archive of it: same image, one copy, two tags', async (t) => {
  const root = await freshRoot(t)
  const files = ociLayout()
  const dir = path.join(root.dir, 'layout')
  await writeLayoutDir(dir, files)
  const r1 = await cli(root, 'image', 'import', dir, 'oci/app:dir')
  t.is(r1.exitCode, 0, String(r1.stderr))
  const id = String(r1.stdout).trim()
  t.is(id, sha(JSON.stringify(CONFIG)))
  await assertTwoLayerRootfs(t, await record(root, id))

  const archive = path.join(root.dir, 'app.oci')
  await fs.writeFile(archive, layoutTar(files))
  const r2 = await cli(root, 'image', 'import', archive, 'oci/app:archive')
  t.is(r2.exitCode, 0, String(r2.stderr))
  t.is(String(r2.stdout).trim(), id)
  t.deepEqual((await record(root, id)).repoTags, ['oci/app:dir', 'oci/app:archive'])
  t.deepEqual(
    (await lsJson(root)).map((i) => `${i.Repository}:${i.Tag}`),
    ['oci/app:dir', 'oci/app:archive'],
  )
  // Removing one tag keeps the image; removing the last deletes it.
  t.is(String((await cli(root, 'image', 'rm', 'oci/app:dir')).stdout), 'Untagged: oci/app:dir\n')
  t.is(String((await cli(root, 'image', 'rm', id.slice(0, 8))).stdout), `Untagged: oci/app:archive\nDeleted: ${id}\n`)
  await noLeftovers(t, root, [])
})

test('an OCI blob whose content does not match its digest is refused and nothing is stored', async (t) => {
  const root = await freshRoot(t)
  const files = ociLayout()
  const layerPath = [...files.keys()].find((k) => files.get(k)!.length > 1024 && k.startsWith('blobs/'))!
  const bad = Buffer.from(files.get(layerPath)!)
  bad[600] ^= 0xff
  files.set(layerPath, bad)
  const dir = path.join(root.dir, 'layout')
  await writeLayoutDir(dir, files)
  const r = await cli(root, 'image', 'import', dir, 'broken')
  t.not(r.exitCode, 0)
  t.regex(String(r.stderr), /^Error: .*does not match its digest.*\n$/)
  await noLeftovers(t, root, [])
})

test('imports whose layers are not the ones their config lists are refused, nothing stored (docker save, OCI dir, oci-archive)', async (t) => {
  const root = await freshRoot(t)
  const forged = ociLayout(gzip(tarArchive(EVIL2)))
  const dir = path.join(root.dir, 'forged-layout')
  await writeLayoutDir(dir, forged)
  const archive = path.join(root.dir, 'forged.oci')
  await fs.writeFile(archive, layoutTar(forged))
  const save = path.join(root.dir, 'forged-save.tar')
  await fs.writeFile(save, dockerSave([tarArchive(LAYER1), tarArchive(EVIL2)]))
  const swapped = path.join(root.dir, 'swapped-save.tar')
  await fs.writeFile(swapped, dockerSave([gzip(tarArchive(LAYER2)), tarArchive(LAYER1)]))
  const short = path.join(root.dir, 'short-save.tar')
  await fs.writeFile(short, dockerSave(undefined, Buffer.from(JSON.stringify({...CONFIG, rootfs: {type: 'layers', diff_ids: CONFIG.rootfs.diff_ids.slice(0, 1)}}))))
  const none = path.join(root.dir, 'none-save.tar')
  await fs.writeFile(none, dockerSave(undefined, Buffer.from(JSON.stringify({...CONFIG, rootfs: undefined}))))
  for (const [file, pattern] of [
    [dir, /layer 2\/2 is not the layer its image config lists \(content is sha256:[0-9a-f]{64}, the config says sha256:[0-9a-f]{64}\); the image is corrupt or forged/],
    [archive, /layer 2\/2 is not the layer its image config lists/],
    [save, /layer 2\/2 is not the layer its image config lists/],
    [swapped, /layer 1\/2 is not the layer its image config lists/],
    [short, /the manifest lists 2 layer\(s\) but the image config lists 1/],
    [none, /has no rootfs\.diff_ids/],
  ] as const) {
    const r = await cli(root, 'image', 'import', file, 'official/x')
    t.not(r.exitCode, 0, file)
    t.regex(String(r.stderr), /^Error: [^\n]+\n$/, file)
    t.regex(String(r.stderr), pattern, file)
    await noLeftovers(t, root, [])
    t.deepEqual(await fs.readdir(path.join(root.env.MINIRUN_ROOT, 'blobs', 'sha256')).catch(() => []), [], 'no blob of a refused import is kept')
  }
  // The control: the same archive with the layers its config lists imports, and its content is official's.
  await fs.writeFile(save, dockerSave())
  const ok = await cli(root, 'image', 'import', save, 'official/x')
  t.is(ok.exitCode, 0, String(ok.stderr))
  const rec = await record(root, String(ok.stdout).trim())
  t.is(rec.chainId, `sha256:${sha(`${CONFIG.rootfs.diff_ids[0]} ${CONFIG.rootfs.diff_ids[1]}`)}`)
  t.is(await fs.readFile(path.join(rec.rootfs, 'app/index.html'), 'utf8'), '<p>hi</p>\n')
})

test('a rootfs import can never share an id with a config digest, even one that is the same bytes', async (t) => {
  const root = await freshRoot(t)
  // The tarball's sha256 was its id: a config made of the same bytes would have had the same one.
  const tarball = tarArchive([{name: 'etc/', type: 'dir'}, {name: 'etc/motd', data: 'hello\n'}])
  const file = path.join(root.dir, 'plain.tar')
  await fs.writeFile(file, tarball)
  const id = String((await cli(root, 'image', 'import', file, 'plain')).stdout).trim()
  t.not(id, sha(tarball))
  t.is((await record(root, id)).chainId, `sha256:${sha(tarball)}`)
})

test('a tag moves to the newest import; the untagged old image is removed', async (t) => {
  const root = await freshRoot(t)
  const a = path.join(root.dir, 'a.tar')
  const b = path.join(root.dir, 'b.tar')
  await fs.writeFile(a, tarArchive([{name: 'v', data: '1'}]))
  await fs.writeFile(b, tarArchive([{name: 'v', data: '2'}]))
  const idA = String((await cli(root, 'image', 'import', a, 'moving')).stdout).trim()
  const idB = String((await cli(root, 'image', 'import', b, 'moving:latest')).stdout).trim()
  t.not(idA, idB)
  t.deepEqual((await lsJson(root)).map((i) => [i.Repository, i.Tag, i.ID]), [['moving', 'latest', idB.slice(0, 12)]])
  await noLeftovers(t, root, [idB])
})

test('an image a container uses cannot be removed', async (t) => {
  const root = await freshRoot(t)
  const file = path.join(root.dir, 'a.tar')
  await fs.writeFile(file, tarArchive([{name: 'x', data: 'x'}]))
  const id = String((await cli(root, 'image', 'import', file, 'used')).stdout).trim()
  const cid = 'c'.repeat(64)
  await fs.mkdir(path.join(root.env.MINIRUN_ROOT, 'containers', cid), {recursive: true})
  await fs.writeFile(path.join(root.env.MINIRUN_ROOT, 'containers', cid, 'container.json'), JSON.stringify({id: cid, imageId: id}))
  const r = await cli(root, 'image', 'rm', 'used')
  t.not(r.exitCode, 0)
  t.is(String(r.stderr), `Error: image used:latest is used by container cccccccccccc; remove the container first (minirun rm -f cccccccccccc)\n`)
  t.true((await lsJson(root)).some((i) => i.Repository === 'used'))
})

test('hostile archives via the CLI: one-line error, non-zero exit, nothing left in images/ or tmp/', async (t) => {
  const root = await freshRoot(t)
  const cases: Array<[string, Buffer, RegExp]> = [
    ['dotdot.tar', tarArchive([{name: 'ok', data: 'fine'}, {name: '../escape', data: 'x'}]), /entry "\.\.\/escape" has a "\.\." component/],
    ['hardlink.tar', tarArchive([{name: 'p', type: 'hardlink', linkname: '/etc/passwd'}]), /hard link/],
    ['truncated.tgz', gzip(tarArchive([{name: 'big', data: Buffer.alloc(100_000, 1)}])).subarray(0, 60), /truncated or corrupt/],
    ['zstd.tar', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4]), /zstd/],
    ['evil-save.tar', tarArchive([{name: 'manifest.json', data: JSON.stringify([{Config: '../../etc/passwd', Layers: []}])}]), /"\.\." component/],
  ]
  for (const [name, content, pattern] of cases) {
    const file = path.join(root.dir, name)
    await fs.writeFile(file, content)
    const r = await cli(root, 'image', 'import', file, 'evil')
    t.not(r.exitCode, 0, name)
    t.regex(String(r.stderr), /^Error: [^\n]+\n$/, `${name}: one line`)
    t.regex(String(r.stderr), pattern, name)
    t.is(String(r.stdout), '')
    await noLeftovers(t, root, [])
  }
  t.false(await fs.lstat(path.join(root.dir, 'escape')).then(() => true, () => false))
  const missing = await cli(root, 'image', 'import', path.join(root.dir, 'nope.tar'), 'x')
  t.is(String(missing.stderr), `Error: cannot import ${path.join(root.dir, 'nope.tar')}: no such file or directory\n`)
  const badRef = await cli(root, 'image', 'import', path.join(root.dir, 'dotdot.tar'), 'Bad:Ref')
  t.regex(String(badRef.stderr), /^Error: invalid image reference "Bad:Ref": name components are lowercase/)
})

test('busybox is built on first use, once, and can be removed and rebuilt', async (t) => {
  const root = await freshRoot(t)
  process.env.MINIRUN_ROOT = root.env.MINIRUN_ROOT
  const {resolveImage} = await import('../../src/images/store.js')
  const [a, b] = await Promise.all([resolveImage('busybox'), resolveImage('busybox:latest')])
  t.is(a.id, b.id)
  t.deepEqual(a.repoTags, ['busybox:latest'])
  t.deepEqual(a.config, {Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh']})
  const st = await fs.lstat(path.join(a.rootfs, 'bin/busybox'))
  t.true(st.isFile())
  t.is(await fs.readlink(path.join(a.rootfs, 'bin/sh')), 'busybox')
  t.is(await fs.readlink(path.join(a.rootfs, 'bin/httpd')), 'busybox')
  t.regex(await fs.readFile(path.join(a.rootfs, 'www/index.html'), 'utf8'), /minirun/)
  t.regex(await fs.readFile(path.join(a.rootfs, 'etc/passwd'), 'utf8'), /^root:x:0:0:/m)
  t.regex(await fs.readFile(path.join(a.rootfs, 'etc/group'), 'utf8'), /^nobody:/m)
  t.is((await fs.stat(path.join(a.rootfs, 'tmp'))).mode & 0o7777, 0o1777)
  for (const d of ['proc', 'sys', 'dev', 'etc', 'var/run', 'root']) t.true((await fs.stat(path.join(a.rootfs, d))).isDirectory(), d)
  t.is((await resolveImage(a.id.slice(0, 6))).id, a.id, 'by id prefix')
  await t.throwsAsync(resolveImage('foo'), {message: `image "foo:latest" not found; import it with 'minirun image import FILE foo:latest' (or use busybox)`})
  const rm = await cli(root, 'image', 'rm', 'busybox')
  t.is(String(rm.stdout), `Untagged: busybox:latest\nDeleted: ${a.id}\n`)
  const again = await resolveImage('busybox')
  t.is(again.id, a.id, 'rebuilt with the same id')
  await noLeftovers(t, root, [a.id])
})
