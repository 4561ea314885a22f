import test from 'ava'
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {BIN, TestHost} from '../helpers/host.js'
import {tagOf} from '../../src/state/paths.js'

// README.md's "short tour" runs top to bottom as written, so it cannot drift from the CLI.
// The code block is taken from the README itself; only two things are resolved for the test:
// the `minirun` alias (a shell function to this checkout's bin/run.js) and the default root's
// kernel names (minirun0, table ip minirun), which a test root carries with its tag.

const repo = fileURLToPath(new URL('../../../', import.meta.url))

export function tourScript(readme: string, root: string): string {
  const m = /## A short tour\s+```sh\n([\s\S]*?)```/.exec(readme)
  if (!m) throw new Error('README.md has no "A short tour" sh block')
  const tag = tagOf(root)
  return m[1]
    .replace(/^alias minirun=.*$/m, `minirun() { ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"; }`)
    .replace(/\bminirun0\b/g, `mr${tag}0`)
    .replace(/\bip minirun\b/g, `ip minirun${tag}`)
}

test('README short tour runs top to bottom and leaves nothing', async (t) => {
  const host = await TestHost.create('tour')
  t.teardown(() => host.close())
  const script = tourScript(fs.readFileSync(`${repo}/README.md`, 'utf8'), host.root)
  t.regex(script, /minirun\(\) \{/, 'the alias line is there to resolve')
  // -x: the log names the line that failed
  const r = await host.exec(['bash', '-euxo', 'pipefail', '-c', `cd ${JSON.stringify(repo)}\n${script}`], {timeout: 240_000})
  t.is(r.exitCode, 0, `${r.stdout}\n${r.stderr}`)
  t.regex(r.stdout, /<html>|minirun/i, 'curl through the published port got the page')
  t.regex(r.stdout, /0\.0\.0\.0:18080/, 'port web 80')
  t.regex(r.stdout, /1 packets received|1 received/, 'ping by name on the user bridge')
  t.deepEqual(await host.leaks(), [])
})
