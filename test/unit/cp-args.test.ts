import test from 'ava'
import {UserError} from '../../src/errors.js'
import {parseCpArgs} from '../../src/cp/args.js'

test('cp arguments as Docker reads them: NAME:PATH is in a container, /x and ./a:b are local', (t) => {
  t.deepEqual(parseCpArgs('web:/etc/hosts', '/tmp/h'), {direction: 'out', container: 'web', inside: '/etc/hosts', local: '/tmp/h'})
  t.deepEqual(parseCpArgs('./a:b', 'web:tmp'), {direction: 'in', container: 'web', inside: '/tmp', local: './a:b'})
  t.deepEqual(parseCpArgs('-', 'web:/opt/'), {direction: 'in', container: 'web', inside: '/opt/', local: '-'})
  t.deepEqual(parseCpArgs('web:/d/.', '-'), {direction: 'out', container: 'web', inside: '/d/.', local: '-'})
  for (const [a, b] of [['a:/x', 'b:/y'], ['/x', '/y'], ['-', '/y'], ['x', 'y']]) t.throws(() => parseCpArgs(a, b), {instanceOf: UserError}, `${a} ${b}`)
})
