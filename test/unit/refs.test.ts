import test from 'ava'
import {UserError} from '../../src/errors.js'
import {looksLikeId, normalizeRef, parseImageRef, splitRepoTag} from '../../src/images/refs.js'

const DIGEST = 'sha256:' + 'a'.repeat(64)

test('name without tag defaults to latest', (t) => {
  t.deepEqual(parseImageRef('busybox'), {name: 'busybox', tag: 'latest'})
  t.is(normalizeRef('busybox'), 'busybox:latest')
})

test('names with separators, paths, registry host and port', (t) => {
  t.deepEqual(parseImageRef('my_app.v2-x__y:1.0'), {name: 'my_app.v2-x__y', tag: '1.0'})
  t.deepEqual(parseImageRef('a--b/c/d:tag'), {name: 'a--b/c/d', tag: 'tag'})
  t.deepEqual(parseImageRef('localhost:5000/web:v1'), {name: 'localhost:5000/web', tag: 'v1'})
  t.deepEqual(parseImageRef('registry.example.com/team/app'), {name: 'registry.example.com/team/app', tag: 'latest'})
  t.deepEqual(parseImageRef('localhost/x'), {name: 'localhost/x', tag: 'latest'})
})

test('digests are accepted in parse', (t) => {
  t.deepEqual(parseImageRef(`busybox@${DIGEST}`), {name: 'busybox', tag: 'latest', digest: DIGEST})
  t.deepEqual(parseImageRef(`busybox:1@${DIGEST}`), {name: 'busybox', tag: '1', digest: DIGEST})
})

const bad: Array<[string, RegExp]> = [
  ['', /empty/],
  ['Busybox', /lowercase/],
  ['a..b', /lowercase/],
  ['a_', /lowercase/],
  ['-a', /lowercase/],
  ['a/', /lowercase/],
  ['a//b', /lowercase/],
  ['a:', /a tag is 1 to 128/],
  ['a:-x', /a tag is 1 to 128/],
  ['a:' + 'x'.repeat(129), /a tag is 1 to 128/],
  ['a:b c', /a tag is 1 to 128/],
  ['a@sha256:abc', /digest/],
  ['a@md5:' + 'a'.repeat(32), /digest/],
  ['bad_host:5000/x', /registry host/],
  ['a'.repeat(64).replace(/a/g, 'f'), /64-character hex/],
  ['x'.repeat(256), /longer than 255/],
]
for (const [ref, rule] of bad) {
  test(`"${ref.slice(0, 40)}" is refused naming the rule`, (t) => {
    const error = t.throws(() => parseImageRef(ref), {instanceOf: UserError})
    t.regex(error!.message, rule)
    t.true(error!.message.includes(`"${ref}"`))
  })
}

test('ids and id prefixes', (t) => {
  t.true(looksLikeId('1a2b'))
  t.true(looksLikeId('sha256:' + 'b'.repeat(64)))
  t.false(looksLikeId('1a2'))
  t.false(looksLikeId('busybox'))
})

test('splitRepoTag keeps a registry port in the repository', (t) => {
  t.deepEqual(splitRepoTag('localhost:5000/web:v1'), {repository: 'localhost:5000/web', tag: 'v1'})
})
