import {Readable} from 'node:stream'
import test from 'ava'
import {UserError} from '../../src/errors.js'
import {MAX_REDIRECTS, nextHop, readCapped, timeoutsFromEnv, type HttpResponse} from '../../src/images/http.js'
import {checkLayerSizes, checkLayerType, choosePlatform, descriptor, parsePlatform} from '../../src/images/pull.js'
import {render} from '../../src/images/pull-progress.js'
import {networkError, parseChallenge, parseRegistryRef, registryBase} from '../../src/images/registry.js'

const D = 'sha256:' + 'a'.repeat(64)

test('references: Docker Hub gets library/ and keeps short local names; other registries keep host:port', (t) => {
  t.deepEqual(parseRegistryRef('busybox'), {registry: 'docker.io', repository: 'library/busybox', reference: 'latest', digest: undefined, localTag: 'busybox:latest'})
  t.deepEqual(parseRegistryRef('docker.io/library/nginx:1.25'), {registry: 'docker.io', repository: 'library/nginx', reference: '1.25', digest: undefined, localTag: 'nginx:1.25'})
  t.deepEqual(parseRegistryRef('grafana/loki:2'), {registry: 'docker.io', repository: 'grafana/loki', reference: '2', digest: undefined, localTag: 'grafana/loki:2'})
  t.deepEqual(parseRegistryRef('127.0.0.1:18500/test/app:1'), {
    registry: '127.0.0.1:18500',
    repository: 'test/app',
    reference: '1',
    digest: undefined,
    localTag: '127.0.0.1:18500/test/app:1',
  })
  t.deepEqual(parseRegistryRef(`localhost/app@${D}`), {registry: 'localhost', repository: 'app', reference: D, digest: D, localTag: undefined})
  t.is(parseRegistryRef(`localhost:5000/app:v2@${D}`).localTag, 'localhost:5000/app:v2')
  t.throws(() => parseRegistryRef('Bad/Name'), {message: /invalid image reference/})
})

test('registry base URL: https, except loopback hosts and --tls-verify=false', (t) => {
  t.is(registryBase('docker.io', true), 'https://registry-1.docker.io')
  t.is(registryBase('registry.example:5000', true), 'https://registry.example:5000')
  t.is(registryBase('registry.example:5000', false), 'http://registry.example:5000')
  t.is(registryBase('127.0.0.1:18500', true), 'http://127.0.0.1:18500')
  t.is(registryBase('localhost', true), 'http://localhost')
})

test('WWW-Authenticate challenges are parsed (quoted, bare, escaped values)', (t) => {
  t.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: {realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull'},
  })
  t.deepEqual(parseChallenge('Basic realm="x \\"y\\"", charset=UTF-8'), {scheme: 'basic', params: {realm: 'x "y"', charset: 'UTF-8'}})
  t.is(parseChallenge(''), undefined)
})

test('platform choice: os/arch(/variant), with the available ones listed when none fits', (t) => {
  const list = [
    {digest: 'sha256:1', platform: {os: 'linux', architecture: 'arm', variant: 'v7'}},
    {digest: 'sha256:2', platform: {os: 'linux', architecture: 'arm64', variant: 'v8'}},
    {digest: 'sha256:3', platform: {os: 'linux', architecture: 'amd64'}},
  ]
  t.is(choosePlatform(list, parsePlatform('linux/amd64'), 'x').digest, 'sha256:3')
  t.is(choosePlatform(list, parsePlatform('linux/arm64'), 'x').digest, 'sha256:2')
  t.is(choosePlatform(list, parsePlatform('linux/arm64/v8'), 'x').digest, 'sha256:2')
  t.throws(() => choosePlatform(list, parsePlatform('linux/arm/v6'), 'img'), {
    message: 'img has no image for linux/arm/v6 (it has: linux/arm/v7, linux/arm64/v8, linux/amd64); choose one with --platform',
  })
  t.throws(() => parsePlatform('amd64'), {message: /invalid platform "amd64"/})
})

test('layer media types: tar and gzip accepted; zstd and foreign layers refused by name', (t) => {
  t.notThrows(() => checkLayerType('application/vnd.oci.image.layer.v1.tar+gzip', D, 'x'))
  t.notThrows(() => checkLayerType('application/vnd.docker.image.rootfs.diff.tar.gzip', D, 'x'))
  t.notThrows(() => checkLayerType(undefined, D, 'x'))
  t.throws(() => checkLayerType('application/vnd.oci.image.layer.v1.tar+zstd', D, 'x'), {message: /zstd layers are not supported/})
  t.throws(() => checkLayerType('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', D, 'x'), {message: /foreign layer/})
  t.throws(() => checkLayerType('text/plain', D, 'x'), {message: /unsupported layer media type text\/plain/})
})

test('network errors become one line with a hint', (t) => {
  const refused = Object.assign(new TypeError('fetch failed'), {cause: {code: 'ECONNREFUSED'}})
  t.is(networkError('127.0.0.1:5000', refused).message, 'cannot reach registry 127.0.0.1:5000: connection refused; is it running? (use --tls-verify=false for a plain-http registry)')
  const tls = Object.assign(new TypeError('fetch failed'), {cause: {code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'wrong version number'}})
  t.regex(networkError('r:5000', tls).message, /TLS failed \(wrong version number\); .*--tls-verify=false$/)
})

test('progress line: percent, bytes, speed; a status replaces it when done', (t) => {
  t.is(render({label: 'abc', total: 2_000_000, bytes: 1_000_000, started: 0}, 2000), 'abc: Downloading  50%  1.00MB / 2.00MB  500kB/s')
  t.is(render({label: 'abc', total: 10, bytes: 10, started: 0, status: 'Pull complete'}, 1), 'abc: Pull complete')
})

test('descriptors need a sha256 digest and a positive whole size: the size is what bounds the download', (t) => {
  t.deepEqual(descriptor({digest: D, size: 10}, 'layer', 'img'), {digest: D, size: 10})
  t.throws(() => descriptor({digest: D}, 'layer', 'img'), {message: `the manifest of img gives layer ${D} no size; refusing it`})
  for (const size of [0, -1, 1.5, '10', null, 2 ** 60]) {
    t.throws(() => descriptor({digest: D, size}, 'layer', 'img'), {message: /an invalid size .*; refusing it$/}, String(size))
  }
  t.throws(() => descriptor({digest: 'md5:abc', size: 1}, 'layer', 'img'), {message: /only sha256/})
  t.throws(() => descriptor('nope', 'config', 'img'), {message: 'the manifest of img has no valid config descriptor'})
})

test('layers whose sizes add up past the image budget are refused before any download', (t) => {
  t.notThrows(() => checkLayerSizes([{digest: D, size: 60}, {digest: D, size: 40}], 100, 'img'))
  t.throws(() => checkLayerSizes([{digest: D, size: 60}, {digest: D, size: 41}], 100, 'img'), {message: 'img: its layers are 101 bytes, more than the 100 an image may have; set MINIRUN_MAX_IMAGE_BYTES to allow more'})
})

test('redirects: relative or absolute, http(s) only, never https to http, at most MAX_REDIRECTS', (t) => {
  const from = new URL('https://reg.example/v2/x/blobs/sha256:1')
  t.is(nextHop(from, '/cdn/1', 0, 'reg').href, 'https://reg.example/cdn/1')
  t.is(nextHop(from, 'https://cdn.example/1?sig=2', 4, 'reg').href, 'https://cdn.example/1?sig=2')
  t.is(nextHop(new URL('http://127.0.0.1:5000/v2/'), 'http://127.0.0.1:5001/x', 0, 'r').href, 'http://127.0.0.1:5001/x')
  t.throws(() => nextHop(from, '/again', MAX_REDIRECTS, 'reg'), {message: `registry reg redirected more than ${MAX_REDIRECTS} times; refusing to follow`})
  t.throws(() => nextHop(from, 'http://cdn.example/1', 0, 'reg'), {message: /from https to plain http \(cdn\.example\); refusing the downgrade/})
  t.throws(() => nextHop(from, 'file:///etc/passwd', 0, 'reg'), {message: /redirected to a file: address; only http\(s\) is followed/})
  t.throws(() => nextHop(from, undefined, 0, 'reg'), {message: /without a Location/})
})

test('timeouts: 30 s to connect and 30 s without a byte, unless the environment says otherwise (in ms)', (t) => {
  t.deepEqual(timeoutsFromEnv({}), {connectMs: 30_000, idleMs: 30_000})
  t.deepEqual(timeoutsFromEnv({MINIRUN_PULL_IDLE_TIMEOUT: '1500', MINIRUN_PULL_CONNECT_TIMEOUT: '200'}), {connectMs: 200, idleMs: 1500})
  t.deepEqual(timeoutsFromEnv({MINIRUN_PULL_IDLE_TIMEOUT: '0', MINIRUN_PULL_CONNECT_TIMEOUT: 'soon'}), {connectMs: 30_000, idleMs: 30_000})
})

function fakeResponse(chunks: Buffer[], headers: Record<string, string> = {}): HttpResponse & {read: () => number} {
  let pulled = 0
  const body = Readable.from(
    (function* () {
      for (const c of chunks) {
        pulled++
        yield c
      }
    })(),
  )
  return {status: 200, statusText: 'OK', url: new URL('http://x/'), header: (n) => headers[n], body: body as never, discard: () => body.destroy(), read: () => pulled}
}

test('capped reads: a declared length over the cap is refused unread; a body without one stops at the cap', async (t) => {
  const big = () => new UserError('too big')
  const declared = fakeResponse([Buffer.alloc(10)], {'content-length': '5000000'})
  await t.throwsAsync(readCapped(declared, 1000, big), {message: 'too big'})
  t.is(declared.read(), 0, 'nothing read')
  const endless = fakeResponse(Array.from({length: 1000}, () => Buffer.alloc(1024)))
  await t.throwsAsync(readCapped(endless, 4096, big), {message: 'too big'})
  t.true(endless.read() <= 5, `read ${endless.read()} chunks`)
  t.is((await readCapped(fakeResponse([Buffer.from('ab'), Buffer.from('cd')]), 4, big)).toString(), 'abcd')
})
