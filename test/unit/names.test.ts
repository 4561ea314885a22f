import test from 'ava'
import {UserError} from '../../src/errors.js'
import {expandEnv, validateEnv, validateName} from '../../src/util/names.js'

test('names: Docker\'s [a-zA-Z0-9][a-zA-Z0-9_.-]+', (t) => {
  for (const ok of ['web', 'my_net', 'a1', 'Web-2.prod', '0x', 'x'.repeat(64)]) t.is(validateName('container', ok), ok)
  for (const bad of ['x y', 'a', '_web', '.hidden', '-x', 'web/1', '', 'wéb', 'a:b']) {
    const err = t.throws(() => validateName('container', bad), {instanceOf: UserError})
    t.is(err?.message, `invalid container name "${bad}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`)
  }
  t.throws(() => validateName('network', 'n'.repeat(65)), {message: /invalid network name "n{20}\.\.\.": at most 64 characters/})
  t.throws(() => validateName('pod', 'p q'), {message: /^invalid pod name "p q"/})
})


test('-e KEY=VALUE, and a bare KEY from the caller\'s environment', (t) => {
  const env = {HOME: '/home/me', EMPTY: ''}
  t.is(validateEnv('A=1', env), 'A=1')
  t.is(validateEnv('A=', env), 'A=')
  t.is(validateEnv('A=b=c', env), 'A=b=c')
  t.is(validateEnv('weird.key-1=x', env), 'weird.key-1=x')
  t.is(validateEnv('HOME', env), 'HOME=/home/me')
  t.is(validateEnv('EMPTY', env), 'EMPTY=')
  t.is(validateEnv('UNSET', env), 'UNSET=')
  t.throws(() => validateEnv('=x', env), {instanceOf: UserError, message: 'invalid environment variable "=x": the name before "=" is empty; use -e KEY=VALUE'})
  t.throws(() => validateEnv('', env), {message: /the name before "=" is empty/})
  t.throws(() => validateEnv('A=\0', env), {message: /contains a NUL byte/})
  t.deepEqual(expandEnv(['A=1', 'HOME', 'UNSET', 'EMPTY'], env), ['A=1', 'HOME=/home/me', 'EMPTY='])
})
