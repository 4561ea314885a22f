import test from 'ava'
import {envNameProblem, hostnameFor, hostnameProblem, mountDestinationProblem, validateEnvEntry, validateHostname} from '../../src/containers/validate.js'

test('hostnames: RFC 1123 labels, 63 per label, 64 in all (Linux); a newline never passes', (t) => {
  for (const ok of ['web', 'a', 'my-host.example', '0abc', 'x'.repeat(63), `${'a'.repeat(31)}.${'b'.repeat(32)}`]) t.is(hostnameProblem(ok), undefined, ok)
  for (const bad of ['', 'a b', 'x\n1.2.3.4 evil', '-a', 'a-', 'a..b', '.a', 'a.', 'a_b', 'x'.repeat(64) + 'y', 'x'.repeat(10_000), 'a\tb', 'é']) t.truthy(hostnameProblem(bad), JSON.stringify(bad.slice(0, 20)))
  const err = t.throws(() => validateHostname('x\n1.2.3.4 evil'))
  t.false(err?.message.includes('\n'), 'the message stays on one line')
  t.regex(err?.message ?? '', /^invalid hostname "x\\n1\.2\.3\.4 evil": /)
  t.true((t.throws(() => validateHostname('h'.repeat(10_000)))?.message.length ?? 0) < 200)
})

test("a pod's name as hostname: _ becomes -, anything still invalid falls back", (t) => {
  t.is(hostnameFor('pod_1a2b3c'), 'pod-1a2b3c')
  t.is(hostnameFor('p1'), 'p1')
  t.is(hostnameFor('a..b'), undefined)
})

test('env names: no space, "=", NUL, newline; values may hold newlines but not NUL', (t) => {
  for (const ok of ['A', 'PATH', 'my.var', 'a-b', 'lower_case']) t.is(envNameProblem(ok), undefined)
  for (const bad of ['', 'A B', 'A\nB', 'A\0B', 'A\tB', 'A=B']) t.truthy(envNameProblem(bad))
  t.is(validateEnvEntry('A=line1\nline2'), 'A=line1\nline2')
  t.throws(() => validateEnvEntry('A B=1'), {message: /^invalid environment variable "A B": /})
  t.throws(() => validateEnvEntry('A=x\0y'), {message: /NUL/})
})

test('volume destinations: nothing in /proc, not /dev or /sys themselves, absolute, no ".."', (t) => {
  for (const ok of ['/data', '/dev/snd', '/sys/fs/cgroup/x', '/procfoo', '/mnt/proc']) t.is(mountDestinationProblem(ok), undefined, ok)
  for (const bad of ['/proc', '/proc/', '/proc/sys', '//proc', '/./proc/sys/kernel', '/dev', '/dev/', '/sys', 'rel', '', '/a/../b', '/', '/x\ny', '/a:b']) t.truthy(mountDestinationProblem(bad), bad)
  t.regex(mountDestinationProblem('/proc/sys') ?? '', /^mount destination \/proc\/sys not allowed/)
})
