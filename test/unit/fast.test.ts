import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// The fast path is taken for the everyday commands (no oclif loaded) and hands everything else
// to oclif. Without it every command would still work, only slower: this is what would notice.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-fast-'))
process.env.MINIRUN_ROOT = root
process.env.MINIRUN_RUNTIME_DIR = path.join(root, 'run')
const {runFast} = await import('../../src/cli/fast.js')
test.after.always(() => fs.rmSync(root, {recursive: true, force: true}))

test('ps runs on the fast path; help, other commands and odd input go to oclif', async (t) => {
  t.true(await runFast(['ps', '-q']))
  t.false(await runFast(['ps', '--help']))
  t.false(await runFast(['ps', '--last']))
  t.false(await runFast(['network', 'ls']))
  t.false(await runFast(['run', '--rm']))
  t.false(await runFast(['container', 'cleanup']), 'a missing id goes to oclif, which says so')
  t.false(await runFast(['container', 'nosuch', 'x']))
  t.false(await runFast(['constructor']))
})

test('container cleanup (the exit path of every detached container) runs on the fast path', async (t) => {
  t.true(await runFast(['container', 'cleanup', 'f'.repeat(64)]), 'an unknown id is nothing to clean up')
})

test("a fast command's own errors are the handler's, as on the oclif path", async (t) => {
  await t.throwsAsync(runFast(['stop', '-t', 'soon', 'web']), {message: /^invalid time "soon": use a whole number of seconds/})
  await t.throwsAsync(runFast(['inspect', 'nosuch']), {message: /^no such container: nosuch/})
})

test('image import and image rm run on the fast path (the bench times both); other image commands go to oclif', async (t) => {
  await t.throwsAsync(runFast(['image', 'rm', 'nosuch:1']), {message: /^image "nosuch:1" not found/})
  await t.throwsAsync(runFast(['image', 'import', path.join(root, 'missing.tar'), 'x']), {message: /^cannot import .*missing\.tar: no such file or directory/})
  t.false(await runFast(['image', 'import', 'only-a-source']), 'a missing NAME goes to oclif, which says so')
  t.false(await runFast(['image', 'ls']))
  t.false(await runFast(['image', 'rm', '--help']))
  t.false(await runFast(['image']))
})
