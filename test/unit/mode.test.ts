import test from 'ava'
import {parseNetworkMode} from '../../src/networks/mode.js'

test('network modes as Docker takes them', (t) => {
  t.deepEqual(parseNetworkMode(undefined), {kind: 'network', name: 'bridge'})
  t.deepEqual(parseNetworkMode('host'), {kind: 'host'})
  t.deepEqual(parseNetworkMode('none'), {kind: 'none'})
  t.deepEqual(parseNetworkMode('container:web'), {kind: 'container', ref: 'web'})
  t.deepEqual(parseNetworkMode('my_net'), {kind: 'network', name: 'my_net'})
  t.throws(() => parseNetworkMode('container:'), {message: /needs a container name/})
  t.throws(() => parseNetworkMode('bad mode!'), {message: /invalid network mode/})
})
