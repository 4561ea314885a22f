import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {TestHost} from '../helpers/host.js'

// Issue 6: every script in examples/ runs to success (inside a disposable host) and leaves nothing.
const dir = fileURLToPath(new URL('../../../examples/', import.meta.url))
const scripts = fs.readdirSync(dir).filter((f) => f.endsWith('.sh') && f !== 'lib.sh').sort()

for (const script of scripts) {
  test.serial(`examples/${script} passes and cleans up`, async (t) => {
    const host = await TestHost.create(`ex-${script.replace(/\W/g, '')}`)
    t.teardown(() => host.close())
    const r = await host.exec(['bash', path.join(dir, script)], {timeout: 120_000})
    t.is(r.exitCode, 0, `${r.stdout}\n${r.stderr}`)
    t.deepEqual(await host.leaks(), [])
    t.is((await host.sh('ip netns list')).stdout.trim(), '')
  })
}
