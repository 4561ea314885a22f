import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import {removeTree} from '../../src/images/store.js'

// image rm and failed imports remove trees of thousands of entries by their dirent types (no
// lstat per file): a symlink, to a file or to a directory, is removed and never followed.

test('removeTree removes a tree without following its symlinks; a missing dir is no error', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-rmtree-'))
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}))
  const outside = path.join(dir, 'outside')
  fs.mkdirSync(path.join(outside, 'sub'), {recursive: true})
  fs.writeFileSync(path.join(outside, 'sub', 'keep'), 'keep')
  const tree = path.join(dir, 'tree')
  fs.mkdirSync(path.join(tree, 'a', 'b'), {recursive: true})
  fs.writeFileSync(path.join(tree, 'a', 'b', 'f'), 'x')
  fs.symlinkSync(outside, path.join(tree, 'a', 'to-dir'))
  fs.symlinkSync(path.join(outside, 'sub', 'keep'), path.join(tree, 'to-file'))
  fs.symlinkSync('nowhere', path.join(tree, 'dangling'))
  await removeTree(tree)
  t.false(fs.existsSync(tree))
  t.is(fs.readFileSync(path.join(outside, 'sub', 'keep'), 'utf8'), 'keep', 'nothing behind a symlink was removed')
  await t.notThrowsAsync(removeTree(tree))
})
