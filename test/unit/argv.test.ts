import test from 'ava'
import fs from 'node:fs'
import {type ManifestCommand, parseManifestArgv, takeExplainFile} from '../../src/cli/argv.js'

// The fast path's parser reads the flags from the real, generated oclif manifest, so these tests
// also fail when a command's flags change shape under it.
const manifest = JSON.parse(fs.readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8')) as {commands: Record<string, ManifestCommand>}
const cmd = (id: string) => manifest.commands[id]

test('run: flags end at the image; the command keeps its own flags untouched', (t) => {
  const p = parseManifestArgv(['-d', '--name', 'web', '-p', '18080:80', '-p8081:81', '-e', 'A=1', '--net=none', 'busybox', 'httpd', '-f', '-p', '80'], cmd('run'), true)
  t.deepEqual(p?.args, ['busybox'])
  t.deepEqual(p?.rest, ['httpd', '-f', '-p', '80'])
  t.is(p?.flags.detach, true)
  t.is(p?.flags.name, 'web')
  t.deepEqual(p?.flags.publish, ['18080:80', '8081:81'])
  t.deepEqual(p?.flags.env, ['A=1'])
  t.is(p?.flags.network, 'none', 'an alias sets the flag it names')
})

test('run: clusters of booleans, defaults from the manifest, -- before the image', (t) => {
  const p = parseManifestArgv(['-it', '--rm', '--', 'busybox', 'sh'], cmd('run'), true)
  t.deepEqual([p?.flags.interactive, p?.flags.tty, p?.flags.rm], [true, true, true])
  t.deepEqual([p?.args, p?.rest], [['busybox'], ['sh']])
  // run's --network has no flag default: its one home is networks/mode.ts
  t.is(p?.flags.network, undefined)
  t.is(parseManifestArgv(['n1'], cmd('network:create'), false)?.flags.driver, 'bridge')
})

test('ps: -aq and an allowed --format; rm and stop take several names, flags anywhere', (t) => {
  t.deepEqual(parseManifestArgv(['-aq'], cmd('ps'), false)?.flags, {all: true, quiet: true})
  t.is(parseManifestArgv(['--format', 'json'], cmd('ps'), false)?.flags.format, 'json')
  t.deepEqual(parseManifestArgv(['a', '-f', 'b'], cmd('rm'), false)?.args, ['a', 'b'])
  const stop = parseManifestArgv(['-t', '0', 'web'], cmd('stop'), false)
  t.deepEqual([stop?.flags.time, stop?.args], ['0', ['web']])
})

test('anything unusual is left to oclif (undefined): help, unknown flags, bad values, missing arguments', (t) => {
  const cases: Array<[string, string[], boolean]> = [
    ['ps', ['--help'], false],
    ['ps', ['--filter'], false],
    ['ps', ['extra'], false],
    ['ps', ['-z'], false],
    ['run', ['--nosuch', 'busybox'], true],
    ['run', ['--rm'], true],
    ['run', ['--name'], true],
    ['run', ['--name', '--rm', 'busybox'], true],
    ['run', ['--rm=yes', 'busybox'], true],
    ['rm', [], false],
    ['logs', ['a', 'b'], false],
  ]
  for (const [id, argv, tail] of cases) t.is(parseManifestArgv(argv, cmd(id), tail), undefined, `${id} ${argv.join(' ')}`)
})

test('run: 20,000 -e flags all arrive, in order (the parser appends, it does not copy the list per flag)', (t) => {
  const argv: string[] = []
  for (let i = 0; i < 20_000; i++) argv.push('-e', `V${i}=${i}`)
  const p = parseManifestArgv([...argv, 'busybox', 'true'], cmd('run'), true)
  const env = p?.flags.env as string[]
  t.is(env.length, 20_000)
  t.is(env[0], 'V0=0')
  t.is(env.at(-1), 'V19999=19999')
  t.deepEqual(p?.rest, ['true'])
})

test('takeExplainFile: --explain=FILE among minirun\'s own flags only', (t) => {
  const flags = {name: {type: 'option' as const}, explain: {type: 'boolean' as const}, detach: {type: 'boolean' as const, char: 'd'}}
  t.deepEqual(takeExplainFile(['--explain=/tmp/x.sh', '-d', '--name', 'web', 'busybox', 'echo', '--explain=no'], flags, true), {
    argv: ['--explain', '-d', '--name', 'web', 'busybox', 'echo', '--explain=no'],
    file: '/tmp/x.sh',
  })
  t.deepEqual(takeExplainFile(['busybox', 'echo', '--explain=no'], flags, true), {argv: ['busybox', 'echo', '--explain=no']})
  t.deepEqual(takeExplainFile(['my_net', '--explain=n.sh'], flags, false), {argv: ['my_net', '--explain'], file: 'n.sh'})
  t.deepEqual(takeExplainFile(['--explain'], flags, false), {argv: ['--explain']})
})

test('one scanner: the oclif path and the fast path agree on where run\'s flags end (--net is an alias taking a value)', async (t) => {
  const {default: Run} = await import('../../src/commands/run.js')
  const {splitAtPositional} = await import('../../src/cli/argv.js')
  for (const argv of [
    ['--net', 'host', 'busybox', 'ls'],
    ['--net=host', 'busybox', 'ls'],
    ['-d', '--network', 'none', '-p8080:80', 'busybox', 'ls', '-l'],
    ['-e', 'A=1', '--name', 'web', '--', 'busybox', 'ls'],
  ]) {
    const split = splitAtPositional(argv, Run.flags as never)
    t.is(split.positional, 'busybox', argv.join(' '))
    t.deepEqual(split.rest, argv.slice(argv.indexOf('busybox') + 1), argv.join(' '))
    const fast = parseManifestArgv(argv, cmd('run'), true)
    t.is(fast?.args[0], 'busybox', argv.join(' '))
    t.deepEqual(fast?.rest, split.rest, argv.join(' '))
  }
})
