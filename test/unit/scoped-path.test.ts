import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import {resolveInRoot} from '../../src/util/scoped-path.js'

// resolveInRoot follows a container's symlinks with its root as "/" (cp, copy-up, the $PATH
// lookup, image archives). The container's content is hostile: no link target, however it is
// made, may resolve to a path outside the root.

function rootWithLinks(t: {teardown(f: () => void): void}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-scoped-'))
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}))
  const root = path.join(dir, 'root')
  fs.mkdirSync(path.join(root, 'etc'), {recursive: true})
  fs.mkdirSync(path.join(root, 'd'))
  fs.symlinkSync('/etc', path.join(root, 'abs'))
  fs.symlinkSync('../../../../../../../../etc', path.join(root, 'up'))
  // a missing component, then enough ".." to climb above the root
  fs.symlinkSync('/nope/../../../../../../../../../..', path.join(root, 'gone'))
  fs.symlinkSync('nope/../../../../../../../../../../etc', path.join(root, 'd', 'gone-rel'))
  return root
}

test('resolveInRoot: links and ".." stay inside the root (controls: absolute and climbing links)', async (t) => {
  const root = rootWithLinks(t)
  t.is(await resolveInRoot(root, '/abs/passwd'), path.join(root, 'etc/passwd'), 'control: an absolute link')
  t.is(await resolveInRoot(root, '/up/passwd'), path.join(root, 'etc/passwd'), 'control: a link climbing above /')
  t.is(await resolveInRoot(root, '/d/missing/file'), path.join(root, 'd/missing/file'), 'control: missing components are appended as named')
  t.is(await resolveInRoot(root, '/gone/etc/passwd'), path.join(root, 'etc/passwd'), 'a missing component, then ".." above the root')
  t.is(await resolveInRoot(root, '/gone'), root)
  t.is(await resolveInRoot(root, '/d/gone-rel/passwd'), path.join(root, 'etc/passwd'), 'the same, relative')
})

test('resolveInRoot: after a missing component, ".." climbs back and the rest is resolved, links too', async (t) => {
  const root = rootWithLinks(t)
  // a lexical ".." would leave `abs` (a link to the host's /etc) as the path's last component but one
  t.is(await resolveInRoot(root, '/d/nope/../../abs/passwd'), path.join(root, 'etc/passwd'))
  t.is(await resolveInRoot(root, '/nope/../d'), path.join(root, 'd'), 'control: an existing directory')
})
