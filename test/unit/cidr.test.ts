import test from 'ava'
import {UserError} from '../../src/errors.js'
import {
  broadcast, contains, DEFAULT_POOL, findOverlap, firstHost, hostCount, intToIp, ipToInt, lastHost, overlaps,
  parseCidr, parseIp, parseRoutesForOverlap, pickFreeSubnet,
} from '../../src/networks/ipam/cidr.js'

const c = (s: string) => parseCidr(s)

test('ip <-> int round trip, including the top of the range', (t) => {
  t.is(ipToInt('0.0.0.0'), 0)
  t.is(ipToInt('10.1.2.3'), 0x0a010203)
  t.is(ipToInt('255.255.255.255'), 0xffffffff)
  t.is(intToIp(0xffffffff), '255.255.255.255')
  t.is(intToIp(0xac110002), '172.17.0.2')
  for (const ip of ['1.2.3.4', '192.168.255.0', '128.0.0.1']) t.is(intToIp(ipToInt(ip)), ip)
  t.throws(() => intToIp(2 ** 32))
  t.throws(() => intToIp(-1))
})

test('parseIp rejects what is not dotted IPv4', (t) => {
  t.is(parseIp('10.0.0.5'), '10.0.0.5')
  for (const bad of ['10.0.0.300', '10.0.0', '10.0.0.0.1', 'a.b.c.d', '010.0.0.1', '', ' 10.0.0.1', '::1', '10.0.0.-1']) {
    const err = t.throws(() => parseIp(bad), {instanceOf: UserError})
    t.is(err?.message, `invalid IP address "${bad}": use a dotted IPv4 address like 10.1.0.5`)
  }
})

test('parseCidr accepts canonical subnets and normalises nothing silently', (t) => {
  t.deepEqual(c('10.1.0.0/24'), {network: '10.1.0.0', prefix: 24, text: '10.1.0.0/24'})
  t.deepEqual(c('172.17.0.0/16'), {network: '172.17.0.0', prefix: 16, text: '172.17.0.0/16'})
  t.deepEqual(c('10.0.0.0/8'), {network: '10.0.0.0', prefix: 8, text: '10.0.0.0/8'})
  t.deepEqual(c('10.9.0.4/30'), {network: '10.9.0.4', prefix: 30, text: '10.9.0.4/30'})
})

test('parseCidr errors: syntax, prefix range (/31, /32, /7), host bits', (t) => {
  t.throws(() => c('10.1.0.0'), {message: 'invalid subnet "10.1.0.0": use CIDR notation like 10.1.0.0/24'})
  t.throws(() => c('10.1.0/24'), {message: /use CIDR notation/})
  t.throws(() => c('10.1.0.0/'), {message: /use CIDR notation/})
  t.throws(() => c('10.1.0.0/abc'), {message: /use CIDR notation/})
  t.throws(() => c('10.1.0.256/24'), {message: /use CIDR notation/})
  t.throws(() => c('10.1.0.0/31'), {message: 'invalid subnet "10.1.0.0/31": the prefix length must be between /8 and /30'})
  t.throws(() => c('10.1.0.0/32'), {message: /between \/8 and \/30/})
  t.throws(() => c('10.0.0.0/7'), {message: /between \/8 and \/30/})
  t.throws(() => c('10.1.2.3/24'), {message: 'invalid subnet "10.1.2.3/24": "10.1.2.3/24" has host bits set; did you mean 10.1.2.0/24?'})
  t.throws(() => c('172.17.0.1/16'), {message: /did you mean 172\.17\.0\.0\/16\?/})
})

test('parseCidr anyPrefix: host routes and /0, host bits cleared', (t) => {
  t.is(parseCidr('1.2.3.4/32', {anyPrefix: true}).text, '1.2.3.4/32')
  t.is(parseCidr('0.0.0.0/0', {anyPrefix: true}).text, '0.0.0.0/0')
  t.is(parseCidr('10.1.2.3/24', {anyPrefix: true}).text, '10.1.2.0/24')
})

test('contains, host arithmetic', (t) => {
  const n = c('10.1.0.0/24')
  t.true(contains(n, '10.1.0.0'))
  t.true(contains(n, '10.1.0.255'))
  t.false(contains(n, '10.1.1.0'))
  t.false(contains(n, '10.0.255.255'))
  t.is(firstHost(n), '10.1.0.1')
  t.is(lastHost(n), '10.1.0.254')
  t.is(broadcast(n), '10.1.0.255')
  t.is(hostCount(n), 254)
  const w = c('10.1.0.8/29')
  t.is(firstHost(w), '10.1.0.9')
  t.is(lastHost(w), '10.1.0.14')
  t.is(broadcast(w), '10.1.0.15')
  t.is(hostCount(w), 6)
  t.is(hostCount(c('10.0.0.0/8')), 2 ** 24 - 2)
  t.is(broadcast(c('192.168.240.0/20')), '192.168.255.255')
})

test('overlaps in both directions, and neighbours do not overlap', (t) => {
  const big = c('10.0.0.0/8')
  const small = c('10.200.3.0/24')
  t.true(overlaps(big, small))
  t.true(overlaps(small, big))
  t.true(overlaps(small, small))
  t.false(overlaps(c('10.1.0.0/24'), c('10.1.1.0/24')))
  t.false(overlaps(c('10.1.1.0/24'), c('10.1.0.0/24')))
  t.false(overlaps(c('172.17.0.0/16'), c('172.18.0.0/16')))
  t.true(overlaps(c('192.168.0.0/20'), parseCidr('192.168.15.7/32', {anyPrefix: true})))
  t.false(overlaps(c('192.168.0.0/20'), parseCidr('192.168.16.0/32', {anyPrefix: true})))
  t.is(findOverlap(small, [c('10.1.0.0/24'), big])?.text, '10.0.0.0/8')
  t.is(findOverlap(small, [c('10.1.0.0/24')]), undefined)
})

test('parseRoutesForOverlap keeps unicast destinations only', (t) => {
  // Shape of `ip -j -4 route show table all`, captured in a throwaway netns.
  const routes = [
    {dst: 'default', gateway: '10.0.2.2', dev: 'eth0'},
    {dst: '10.0.2.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '10.0.2.15', flags: []},
    {dst: '10.9.9.9', dev: 'eth0', scope: 'link', flags: []},
    {dst: '172.17.0.0/16', dev: 'minirun0', protocol: 'kernel', flags: []},
    {type: 'local', dst: '10.0.2.15', dev: 'eth0', table: 'local'},
    {type: 'broadcast', dst: '10.0.2.255', dev: 'eth0', table: 'local'},
    {type: 'local', dst: '127.0.0.0/8', dev: 'lo', table: 'local'},
    {dst: '10.0.2.0/24', dev: 'eth0', table: '100'},
  ]
  t.deepEqual(parseRoutesForOverlap(routes).map((r) => r.text), ['10.0.2.0/24', '10.9.9.9/32', '172.17.0.0/16'])
  t.deepEqual(parseRoutesForOverlap(routes, new Set(['minirun0'])).map((r) => r.text), ['10.0.2.0/24', '10.9.9.9/32'])
  const taken = parseRoutesForOverlap(routes)
  t.is(findOverlap(c('10.0.0.0/16'), taken)?.text, '10.0.2.0/24')
  t.is(findOverlap(c('10.9.9.8/30'), taken)?.text, '10.9.9.9/32')
  t.is(findOverlap(c('10.1.0.0/24'), taken), undefined)
})

test('pickFreeSubnet walks Docker\'s pool', (t) => {
  t.is(DEFAULT_POOL[0], '172.17.0.0/16')
  t.is(DEFAULT_POOL[14], '172.31.0.0/16')
  t.is(DEFAULT_POOL[15], '192.168.0.0/20')
  t.is(DEFAULT_POOL.at(-1), '192.168.240.0/20')
  t.is(pickFreeSubnet(DEFAULT_POOL, [])?.text, '172.17.0.0/16')
  t.is(pickFreeSubnet(DEFAULT_POOL, [c('172.17.0.0/16')])?.text, '172.18.0.0/16')
  // a host route inside 172.18 skips it too
  t.is(pickFreeSubnet(DEFAULT_POOL, [c('172.17.0.0/16'), c('172.18.5.0/24')])?.text, '172.19.0.0/16')
  // 172.16.0.0/12 covers the whole 172 part of the pool
  t.is(pickFreeSubnet(DEFAULT_POOL, [c('172.16.0.0/12'), c('192.168.0.0/24')])?.text, '192.168.16.0/20')
  t.is(pickFreeSubnet(DEFAULT_POOL, [c('172.16.0.0/12'), c('192.168.0.0/16')]), undefined)
})
