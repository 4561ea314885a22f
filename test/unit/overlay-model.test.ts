import test from 'ava'
import {parseStoreUrl, prefixEnd} from '../../src/cluster/etcd.js'
import {parseCidr} from '../../src/networks/ipam/cidr.js'
import {checkVni, defaultBlockPrefix, floodTargets, parseEntry, pickBlock, pickVni, splitKey, validEndpoint, validHost} from '../../src/networks/drivers/overlay/model.js'

test('prefixEnd is the prefix with its last byte incremented (etcd range_end), base64', (t) => {
  t.is(Buffer.from(prefixEnd('/minirun/'), 'base64').toString(), '/minirun0')
  t.is(Buffer.from(prefixEnd('a'), 'base64').toString(), 'b')
})

test('parseStoreUrl takes etcd://HOST:PORT[,HOST:PORT] and refuses anything else', (t) => {
  t.deepEqual(parseStoreUrl('etcd://192.168.250.2:2379'), ['http://192.168.250.2:2379'])
  t.deepEqual(parseStoreUrl('etcd://a:1,b.example:2379'), ['http://a:1', 'http://b.example:2379'])
  t.throws(() => parseStoreUrl('http://x:2379'), {message: /is not etcd:\/\/HOST:PORT/})
  t.throws(() => parseStoreUrl('etcd://x'), {message: /is not HOST:PORT/})
  t.throws(() => parseStoreUrl('etcd://x:1/path'), {message: /is not HOST:PORT/})
})

test('pickBlock: the first block nobody holds; undefined when all are taken', (t) => {
  const s = parseCidr('10.50.0.0/16')
  t.is(pickBlock(s, 24, new Set())?.text, '10.50.0.0/24')
  t.is(pickBlock(s, 24, new Set(['10.50.0.0', '10.50.1.0']))?.text, '10.50.2.0/24')
  const small = parseCidr('10.9.0.0/24')
  t.is(defaultBlockPrefix(small), 28)
  t.is(defaultBlockPrefix(s), 24)
  const all = new Set(Array.from({length: 16}, (_, i) => `10.9.0.${i * 16}`))
  t.is(pickBlock(small, 28, all), undefined)
})

test('VNIs: minirun picks from 4096 up; a given one must fit 24 bits', (t) => {
  t.is(pickVni(new Set()), 4096)
  t.is(pickVni(new Set([4096, 4097])), 4098)
  t.is(checkVni('42'), 42)
  t.throws(() => checkVni('16777216'))
  t.throws(() => checkVni('0'))
  t.throws(() => checkVni('1e3'))
})

test('floodTargets: every other host once, never this one', (t) => {
  const hosts = [
    {host: 'a', addr: '192.0.2.1', block: '10.50.0.0'},
    {host: 'b', addr: '192.0.2.2', block: '10.50.1.0'},
    {host: 'c', addr: '192.0.2.2', block: '10.50.2.0'},
  ]
  t.deepEqual(floodTargets(hosts, 'a'), ['192.0.2.2'])
  t.deepEqual(floodTargets(hosts, 'b'), ['192.0.2.1', '192.0.2.2'])
})

test('entries another host wrote are checked before use; keys are split by kind, network and leaf', (t) => {
  const ok = {id: 'x', name: 'web', ip: '10.50.0.2', mac: '02:42:0a:32:00:02', host: 'h3', aliases: []}
  t.deepEqual(parseEntry(JSON.stringify(ok), validEndpoint), ok)
  t.is(parseEntry(JSON.stringify({...ok, ip: '10.50.0.2\n1.2.3.4 evil'}), validEndpoint), undefined)
  t.is(parseEntry('not json', validEndpoint), undefined)
  t.is(parseEntry(JSON.stringify({...ok, ip: '999.1.1.1'}), validEndpoint), undefined)
  t.is(parseEntry(JSON.stringify({...ok, aliases: [{}]}), validEndpoint), undefined)
  t.is(parseEntry(JSON.stringify({host: 'h', addr: '192.0.2.1; reboot', block: '10.50.0.0'}), validHost), undefined)
  t.truthy(parseEntry(JSON.stringify({host: 'h', addr: '192.0.2.1', block: '10.50.0.0'}), validHost))
  t.deepEqual(splitKey('/minirun/endpoints/ov/abc'), {kind: 'endpoints', net: 'ov', leaf: 'abc'})
  t.is(splitKey('/minirun/networks/ov'), undefined)
})
