import {createHash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'
import test from 'ava'
import {create as tarCreate} from 'tar'
import {BIN, TestHost, sleep, type Out} from '../helpers/host.js'
import {tarArchive} from '../helpers/tarballs.js'
import type {ImageRecord} from '../../src/images/types.js'

// `image pull` against a real registry: Debian's docker-registry, started inside this file's
// disposable namespace on 127.0.0.1, images pushed to it with skopeo from OCI layouts built
// here from the busybox image's rootfs. A small proxy (helpers/registry-proxy.ts) in the same
// namespace logs requests, corrupts one blob, or demands a bearer token. Nothing leaves 127.0.0.1.

const REGISTRY = 18500
const PASS = 18501
const CORRUPT = 18502
const AUTH = 18503
const PROXY = fileURLToPath(new URL('../helpers/registry-proxy.js', import.meta.url))

let host: TestHost
let work: string
const pids: number[] = []
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

interface Built {
  configDigest: string
  layers: Array<{digest: string; data: Buffer}>
}
const images: Record<string, Built> = {}

/** minirun in the test host with its own store (each test gets a fresh one). */
function mr(root: string, ...args: string[]): Promise<Out> {
  return host.exec([process.execPath, BIN, ...args], {env: {MINIRUN_ROOT: root}, timeout: 120_000})
}

async function ok(root: string, ...args: string[]): Promise<string> {
  const r = await mr(root, ...args)
  if (r.exitCode !== 0) throw new Error(`minirun ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}${r.stdout}`)
  return r.stdout.trim()
}

async function freshRoot(name: string): Promise<string> {
  return fs.mkdtemp(path.join(host.dir, `root-${name}-`))
}

async function ls(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).sort()
}

async function records(root: string): Promise<ImageRecord[]> {
  const out: ImageRecord[] = []
  for (const id of await ls(path.join(root, 'images'))) out.push(JSON.parse(await fs.readFile(path.join(root, 'images', id, 'image.json'), 'utf8')) as ImageRecord)
  return out
}

async function background(cmd: string): Promise<number> {
  const r = await host.sh(`${cmd} & echo $!`)
  const pid = Number(r.stdout.trim())
  if (!pid) throw new Error(`could not start: ${cmd}: ${r.stderr}`)
  pids.push(pid)
  return pid
}

async function waitHttp(port: number, pathname: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await host.sh(`curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:${port}${pathname}'`)).stdout.trim() === '200') return
    await sleep(100)
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`)
}

// --- OCI layouts -------------------------------------------------------------------------

class Layout {
  readonly refs: Array<{desc: object; ref: string}> = []
  constructor(readonly dir: string) {}

  async blob(data: Buffer, mediaType: string): Promise<{mediaType: string; digest: string; size: number}> {
    await fs.mkdir(path.join(this.dir, 'blobs', 'sha256'), {recursive: true})
    await fs.writeFile(path.join(this.dir, 'blobs', 'sha256', sha(data)), data)
    return {mediaType, digest: `sha256:${sha(data)}`, size: data.length}
  }

  /** An image from uncompressed layer tars (gzip'd here); returns its manifest descriptor. */
  async image(name: string, tars: Buffer[], arch = 'amd64'): Promise<{mediaType: string; digest: string; size: number; platform: object}> {
    const layers = tars.map((t) => ({data: gzipSync(t), diffId: `sha256:${sha(t)}`}))
    const config = {
      architecture: arch,
      os: 'linux',
      created: '2024-05-06T07:08:09Z',
      config: {Env: ['PATH=/bin:/usr/bin'], Cmd: ['sh'], WorkingDir: '/'},
      rootfs: {type: 'layers', diff_ids: layers.map((l) => l.diffId)},
    }
    const configDesc = await this.blob(Buffer.from(JSON.stringify(config)), 'application/vnd.oci.image.config.v1+json')
    const layerDescs: Array<{digest: string}> = []
    for (const l of layers) layerDescs.push(await this.blob(l.data, 'application/vnd.oci.image.layer.v1.tar+gzip'))
    const manifest = {schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers: layerDescs}
    images[name] = {configDigest: configDesc.digest, layers: layers.map((l, i) => ({digest: layerDescs[i].digest, data: l.data}))}
    return {...(await this.blob(Buffer.from(JSON.stringify(manifest)), manifest.mediaType)), platform: {os: 'linux', architecture: arch}}
  }

  tag(desc: object, ref: string): void {
    this.refs.push({desc, ref})
  }

  async write(): Promise<void> {
    const manifests = this.refs.map((r) => ({...r.desc, annotations: {'org.opencontainers.image.ref.name': r.ref}}))
    await fs.writeFile(path.join(this.dir, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}))
    await fs.writeFile(path.join(this.dir, 'index.json'), JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests}))
  }
}

async function tarOf(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of tarCreate({cwd: dir, portable: true, noMtime: true}, ['.'])) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

async function skopeo(...args: string[]): Promise<void> {
  const policy = path.join(work, 'policy.json')
  const r = await host.exec(['skopeo', '--policy', policy, 'copy', '--quiet', '--dest-tls-verify=false', ...args], {timeout: 120_000})
  if (r.exitCode !== 0) throw new Error(`skopeo copy ${args.join(' ')}: ${r.stderr}`)
}

test.before(async () => {
  host = await TestHost.create('pull')
  work = path.join(host.dir, 'work')
  await fs.mkdir(work, {recursive: true})
  await fs.writeFile(path.join(work, 'policy.json'), JSON.stringify({default: [{type: 'insecureAcceptAnything'}]}))
  await fs.writeFile(
    path.join(work, 'registry.yml'),
    [
      'version: 0.1',
      'log: {level: warn}',
      `storage: {filesystem: {rootdirectory: ${path.join(work, 'storage')}}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${REGISTRY}"}`,
      '',
    ].join('\n'),
  )
  await background(`docker-registry serve ${path.join(work, 'registry.yml')} >${path.join(work, 'registry.log')} 2>&1`)
  await waitHttp(REGISTRY, '/v2/')

  // The base layer is the busybox image's whole rootfs, as minirun builds it.
  await ok(host.root, 'run', '--rm', 'busybox', 'true')
  const [bb] = await records(host.root)
  const base = await tarOf(bb.rootfs)
  const file = (name: string, data: string) => ({name, data})
  // Top layers: add a file, delete /www/index.html (whiteout), replace /home's content (opaque dir).
  const appTop = tarArchive([
    {name: 'etc/', type: 'dir'},
    file('etc/pulled', 'pulled from the registry\n'),
    {name: 'www/', type: 'dir'},
    file('www/.wh.index.html', ''),
    {name: 'opt/', type: 'dir'},
    file('opt/keep', 'kept\n'),
  ])
  const otherTop = tarArchive([{name: 'etc/', type: 'dir'}, file('etc/other', 'other image\n')])
  const archTop = (arch: string) => tarArchive([file('arch', `${arch}\n`)])

  const layout = new Layout(path.join(work, 'layout'))
  layout.tag(await layout.image('app', [base, appTop]), 'app')
  layout.tag(await layout.image('other', [base, otherTop]), 'other')
  const amd = await layout.image('amd64', [base, archTop('amd64')])
  const arm = await layout.image('arm64', [archTop('arm64')], 'arm64')
  const index = {schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [arm, amd]}
  layout.tag(await layout.blob(Buffer.from(JSON.stringify(index)), index.mediaType), 'multi')
  await layout.write()

  const reg = `docker://127.0.0.1:${REGISTRY}`
  await skopeo(`oci:${layout.dir}:app`, `${reg}/test/app:1`)
  // The other image is pushed as a Docker v2 schema 2 manifest: both manifest formats get pulled.
  await skopeo('--format', 'v2s2', `oci:${layout.dir}:other`, `${reg}/test/other:1`)
  await skopeo('--all', `oci:${layout.dir}:multi`, `${reg}/test/multi:latest`)

  // The corrupting proxy damages the app's top layer.
  for (const [port, mode, extra] of [
    [PASS, 'pass', ''],
    [CORRUPT, 'corrupt', images.app.layers[1].digest.slice(7)],
    [AUTH, 'auth', ''],
  ] as const) {
    await background(`${process.execPath} ${PROXY} ${port} ${REGISTRY} ${mode} ${path.join(work, `${mode}.log`)} ${extra} >/dev/null 2>&1`)
  }
  for (const port of [PASS, CORRUPT, AUTH]) await waitHttp(port, port === AUTH ? '/token?service=test-registry&scope=repository:x:pull' : '/v2/')
})

test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  for (const pid of pids) await host?.sh(`kill ${pid}`).catch(() => {})
  await host?.close()
})

const blobs = (root: string) => ls(path.join(root, 'blobs', 'sha256'))

test.serial('pull an OCI image (two layers, whiteout) from a real registry and run it', async (t) => {
  const root = await freshRoot('basic')
  const ref = `127.0.0.1:${REGISTRY}/test/app:1`
  const id = await ok(root, 'image', 'pull', '--tls-verify=false', ref)
  t.is(id, images.app.configDigest.slice(7))
  const run = await mr(root, 'run', '--rm', ref, 'sh', '-c', 'cat /etc/pulled; cat /opt/keep; test -e /www/index.html && echo still-there; echo done')
  t.is(run.exitCode, 0, run.stderr)
  t.is(run.stdout, 'pulled from the registry\nkept\ndone\n')
  t.regex(await ok(root, 'image', 'ls'), /127\.0\.0\.1:18500\/test\/app\s+1\s/)
  const [rec] = await records(root)
  t.deepEqual(rec.layers, images.app.layers.map((l) => l.digest))
  t.deepEqual(await blobs(root), images.app.layers.map((l) => l.digest.slice(7)).sort())
  t.deepEqual(await ls(path.join(root, 'tmp')), [])
  // Pulling again moves nothing: same id, no download.
  t.is(await ok(root, 'image', 'pull', ref), id)
  t.is(await ok(root, 'image', 'rm', ref), `Untagged: ${ref}\nDeleted: ${id}`)
  t.deepEqual(await blobs(root), [], 'image rm removes the layer blobs no image uses')
})

test.serial('a multi-arch index resolves to linux/amd64, or to --platform', async (t) => {
  const root = await freshRoot('multi')
  const ref = `127.0.0.1:${REGISTRY}/test/multi`
  const id = await ok(root, 'image', 'pull', ref)
  t.is(id, images.amd64.configDigest.slice(7))
  const run = await mr(root, 'run', '--rm', `${ref}:latest`, 'cat', '/arch')
  t.is(run.stdout, 'amd64\n', run.stderr)
  const armId = await ok(root, 'image', 'pull', '--platform', 'linux/arm64', ref)
  t.is(armId, images.arm64.configDigest.slice(7))
  t.is(await fs.readFile(path.join(root, 'images', armId, 'rootfs', 'arch'), 'utf8'), 'arm64\n')
  const bad = await mr(root, 'image', 'pull', '--platform', 'linux/s390x', ref)
  t.is(bad.exitCode, 1)
  t.regex(bad.stderr, /^Error: .*has no image for linux\/s390x \(it has: linux\/arm64, linux\/amd64\); choose one with --platform\n$/)
})

test.serial('a corrupted blob is rejected with a digest error and nothing is stored', async (t) => {
  const root = await freshRoot('corrupt')
  const r = await mr(root, 'image', 'pull', `127.0.0.1:${CORRUPT}/test/app:1`)
  t.is(r.exitCode, 1)
  t.regex(r.stderr, new RegExp(`^Error: blob ${images.app.layers[1].digest} from 127\\.0\\.0\\.1:${CORRUPT} does not match its digest \\(content is sha256:[0-9a-f]{64}\\); .*\\n$`))
  t.deepEqual(await blobs(root), [], 'no blob, verified or partial, is kept')
  t.deepEqual(await ls(path.join(root, 'images')), [])
  t.deepEqual(await ls(path.join(root, 'tmp')), [])
  t.regex(await fs.readFile(path.join(work, 'corrupt.log'), 'utf8'), new RegExp(`GET /v2/test/app/blobs/${images.app.layers[1].digest}`))
})

test.serial('two images sharing a base layer: the layer is downloaded and stored once', async (t) => {
  const root = await freshRoot('shared')
  const logFile = path.join(work, 'pass.log')
  await fs.writeFile(logFile, '')
  const app = await ok(root, 'image', 'pull', `127.0.0.1:${PASS}/test/app:1`)
  const other = await ok(root, 'image', 'pull', `127.0.0.1:${PASS}/test/other:1`)
  const base = images.app.layers[0].digest
  t.is(images.other.layers[0].digest, base)
  const gets = (await fs.readFile(logFile, 'utf8')).split('\n').filter((l) => l.startsWith('GET ') && l.includes('/blobs/'))
  t.is(gets.filter((l) => l.includes(base)).length, 1, 'the base layer is fetched by the first pull only')
  t.true(gets.some((l) => l.includes(`/test/other/blobs/${images.other.layers[1].digest}`)))
  t.deepEqual(await blobs(root), [base, images.app.layers[1].digest, images.other.layers[1].digest].map((d) => d.slice(7)).sort())
  // The Docker schema 2 image runs too.
  t.is((await mr(root, 'run', '--rm', `127.0.0.1:${PASS}/test/other:1`, 'cat', '/etc/other')).stdout, 'other image\n')
  // Removing one image keeps the shared layer for the other.
  await ok(root, 'image', 'rm', app)
  t.deepEqual(await blobs(root), [base, images.other.layers[1].digest].map((d) => d.slice(7)).sort())
  await ok(root, 'image', 'rm', other)
  t.deepEqual(await blobs(root), [])
})

test.serial('bearer-token auth: a 401 with WWW-Authenticate is followed by a token request', async (t) => {
  const root = await freshRoot('auth')
  const id = await ok(root, 'image', 'pull', `127.0.0.1:${AUTH}/test/other:1`)
  t.is(id, images.other.configDigest.slice(7))
  const log = (await fs.readFile(path.join(work, 'auth.log'), 'utf8')).split('\n')
  t.true(log.some((l) => l === 'GET /token?service=test-registry&scope=repository%3Atest%2Fother%3Apull'), log.join('\n'))
  t.true(log.some((l) => /^GET \/v2\/test\/other\/manifests\/1 auth$/.test(l)))
})

test.serial('an interrupted download is resumed with a Range request; a bad partial restarts cleanly', async (t) => {
  const root = await freshRoot('resume')
  const dir = path.join(root, 'blobs', 'sha256')
  await fs.mkdir(dir, {recursive: true})
  const [base, top] = images.app.layers
  // What a SIGKILLed minirun leaves: partials named after a pid that no longer exists.
  const deadPid = 4_000_000
  const half = base.data.length >> 1
  await fs.writeFile(path.join(dir, `${base.digest.slice(7)}.${deadPid}.partial`), base.data.subarray(0, half))
  await fs.writeFile(path.join(dir, `${top.digest.slice(7)}.${deadPid}.partial`), Buffer.alloc(top.data.length >> 1, 7))
  const logFile = path.join(work, 'pass.log')
  await fs.writeFile(logFile, '')
  await ok(root, 'image', 'pull', `127.0.0.1:${PASS}/test/app:1`)
  const log = await fs.readFile(logFile, 'utf8')
  t.regex(log, new RegExp(`GET /v2/test/app/blobs/${base.digest} range=bytes=${half}-\\n`))
  t.notRegex(log, new RegExp(`GET /v2/test/app/blobs/${base.digest}\\n`), 'the good partial is not downloaded again')
  t.regex(log, new RegExp(`GET /v2/test/app/blobs/${top.digest}\\n`), 'the bad partial is thrown away and fetched whole')
  t.deepEqual(await blobs(root), [base, top].map((l) => l.digest.slice(7)).sort())
})

test.serial('an unreachable registry is a one-line error that says what to do', async (t) => {
  const root = await freshRoot('down')
  const r = await mr(root, 'image', 'pull', '127.0.0.1:18599/test/app:1')
  t.is(r.exitCode, 1)
  t.is(r.stderr, 'Error: cannot reach registry 127.0.0.1:18599: connection refused; is it running? (use --tls-verify=false for a plain-http registry)\n')
  const missing = await mr(root, 'image', 'pull', `127.0.0.1:${REGISTRY}/test/nope:1`)
  t.regex(missing.stderr, /^Error: manifest for 127\.0\.0\.1:18500\/test\/nope:1 not found on 127\.0\.0\.1:18500; check the name and tag\n$/)
  t.deepEqual(await ls(path.join(root, 'tmp')), [])
})
