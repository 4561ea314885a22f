import {createHash} from 'node:crypto'
import test from 'ava'
import {chainId, checkDiffId, configDiffIds, rootfsImportId} from '../../src/images/diffids.js'

const d = (c: string) => `sha256:${c.repeat(64)}`
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`

test('ChainID: the first layer is its DiffID, each next one hashes the chain so far, a space, and its DiffID', (t) => {
  t.is(chainId([d('a')]), d('a'))
  t.is(chainId([d('a'), d('b')]), sha(`${d('a')} ${d('b')}`))
  t.is(chainId([d('a'), d('b'), d('c')]), sha(`${sha(`${d('a')} ${d('b')}`)} ${d('c')}`))
  t.not(chainId([d('a'), d('b')]), chainId([d('b'), d('a')]), 'order matters')
  t.is(chainId([]), '')
})

test('config diff_ids: one sha256 digest per layer, in a rootfs of type "layers"', (t) => {
  const cfg = (rootfs: unknown) => ({rootfs})
  t.deepEqual(configDiffIds(cfg({type: 'layers', diff_ids: [d('a'), d('b')]}), 2, 'img'), [d('a'), d('b')])
  t.deepEqual(configDiffIds(cfg({type: 'layers', diff_ids: []}), 0, 'img'), [])
  t.throws(() => configDiffIds(cfg({type: 'layers', diff_ids: [d('a')]}), 2, 'img'), {message: 'img: the manifest lists 2 layer(s) but the image config lists 1; the image is corrupt or forged, refusing it'})
  t.throws(() => configDiffIds(cfg({type: 'layers', diff_ids: [d('a'), d('b'), d('c')]}), 2, 'img'), {message: /lists 2 layer\(s\) but the image config lists 3/})
  t.throws(() => configDiffIds(cfg({type: 'layers', diff_ids: ['sha512:abc']}), 1, 'img'), {message: /not all sha256 digests/})
  t.throws(() => configDiffIds(cfg({type: 'layers', diff_ids: [7]}), 1, 'img'), {message: /not all sha256 digests/})
  t.throws(() => configDiffIds(cfg({type: 'other', diff_ids: [d('a')]}), 1, 'img'), {message: /has no rootfs\.diff_ids/})
  t.throws(() => configDiffIds({}, 1, 'img'), {message: /has no rootfs\.diff_ids/})
  t.throws(() => configDiffIds(null, 0, 'img'), {message: /has no rootfs\.diff_ids/})
})

test('a layer is accepted only when its uncompressed digest is the one the config lists', (t) => {
  t.notThrows(() => checkDiffId(d('a'), d('a'), '1/1', 'img'))
  t.throws(() => checkDiffId(d('a'), d('b'), '2/3', 'img'), {message: `img: layer 2/3 is not the layer its image config lists (content is ${d('b')}, the config says ${d('a')}); the image is corrupt or forged, nothing was stored`})
})

test('a rootfs import id is not the tarball digest and is not the digest of any JSON text', (t) => {
  const id = rootfsImportId(d('a'))
  t.regex(id, /^[0-9a-f]{64}$/)
  t.not(`sha256:${id}`, d('a'))
  t.is(id, createHash('sha256').update(`minirun rootfs import\0${d('a')}`).digest('hex'))
  t.throws(() => JSON.parse(`minirun rootfs import\0${d('a')}`))
  t.not(rootfsImportId(d('b')), id)
})
