import test from 'ava'
import {chooseManifest, pickConfig} from '../../src/images/formats.js'

test('pickConfig keeps only well-typed fields minirun honours', (t) => {
  t.deepEqual(
    pickConfig({
      Env: ['A=1'],
      Cmd: ['sh', '-c', 'echo hi'],
      Entrypoint: ['/init'],
      WorkingDir: '/app',
      ExposedPorts: {'80/tcp': {}, '53/udp': {x: 1}},
      User: 'nobody',
      Labels: {a: 'b'},
      Volumes: {'/data': {}},
    }),
    {Env: ['A=1'], Cmd: ['sh', '-c', 'echo hi'], Entrypoint: ['/init'], WorkingDir: '/app', ExposedPorts: {'80/tcp': {}, '53/udp': {}}, User: 'nobody'},
  )
})

test('pickConfig drops wrong types instead of trusting them', (t) => {
  t.deepEqual(pickConfig({Env: 'A=1', Cmd: [1, 2], WorkingDir: 3, ExposedPorts: ['80/tcp'], User: ''}), {})
  t.deepEqual(pickConfig(undefined), {})
  t.deepEqual(pickConfig(null), {})
})

test('chooseManifest prefers linux/amd64 among several', (t) => {
  const arm = {digest: 'sha256:1', platform: {os: 'linux', architecture: 'arm64'}}
  const amd = {digest: 'sha256:2', platform: {os: 'linux', architecture: 'amd64'}}
  t.is(chooseManifest([arm, amd]), amd)
  t.is(chooseManifest([arm]), arm)
  t.is(chooseManifest([]), undefined)
  const plain = {digest: 'sha256:3'}
  t.is(chooseManifest([arm, plain]), plain)
})
