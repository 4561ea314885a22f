import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {UserError} from '../../src/errors.js'
import {parseCidr} from '../../src/networks/ipam/cidr.js'
import {allocate, leases, pickAddress, release, releaseAll} from '../../src/networks/ipam/leases.js'
import {macFromIp} from '../../src/networks/ipam/mac.js'

const net = parseCidr('10.1.0.0/24')

test('pickAddress: lowest free, skipping network, gateway, broadcast and used', (t) => {
  t.is(pickAddress('my_net', net, '10.1.0.1', new Set()), '10.1.0.2')
  t.is(pickAddress('my_net', net, '10.1.0.1', new Set(['10.1.0.2', '10.1.0.3'])), '10.1.0.4')
  t.is(pickAddress('my_net', net, '10.1.0.1', new Set(['10.1.0.2', '10.1.0.4'])), '10.1.0.3')
  // a gateway elsewhere frees .1
  t.is(pickAddress('my_net', net, '10.1.0.254', new Set()), '10.1.0.1')
})

test('pickAddress: a /29 has 5 container addresses, then a clear error', (t) => {
  const small = parseCidr('10.1.0.0/29')
  const used = new Set<string>()
  for (let i = 0; i < 5; i++) used.add(pickAddress('my_net', small, '10.1.0.1', used))
  t.deepEqual([...used], ['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6'])
  const err = t.throws(() => pickAddress('my_net', small, '10.1.0.1', used), {instanceOf: UserError})
  t.is(err?.message, 'no free address left in network my_net (10.1.0.0/29); remove a container or use a larger subnet')
})

test('pickAddress: requested address validation', (t) => {
  const used = new Set(['10.1.0.7'])
  t.is(pickAddress('my_net', net, '10.1.0.1', used, '10.1.0.5'), '10.1.0.5')
  t.throws(() => pickAddress('my_net', net, '10.1.0.1', used, '10.0.0.300'), {message: /^--ip 10\.0\.0\.300 is not a valid IPv4 address/})
  t.throws(() => pickAddress('my_net', net, '10.1.0.1', used, '10.9.0.5'), {message: "address 10.9.0.5 is not in network my_net's subnet 10.1.0.0/24"})
  t.throws(() => pickAddress('my_net', net, '10.1.0.1', used, '10.1.0.7'), {message: 'address 10.1.0.7 is already in use on network my_net'})
  t.throws(() => pickAddress('my_net', net, '10.1.0.1', used, '10.1.0.1'), {message: /is the gateway of network my_net/})
  t.throws(() => pickAddress('my_net', net, '10.1.0.1', used, '10.1.0.0'), {message: /network or broadcast address/})
  t.throws(() => pickAddress('my_net', net, '10.1.0.1', used, '10.1.0.255'), {message: /network or broadcast address/})
})

test('pickAddress: --ip-range narrows dynamic addresses only', (t) => {
  const range = parseCidr('10.1.0.128/25')
  t.is(pickAddress('lan', net, '10.1.0.1', new Set(), undefined, range), '10.1.0.128')
  t.is(pickAddress('lan', net, '10.1.0.1', new Set(), '10.1.0.9', range), '10.1.0.9')
  // an overlay block's first address is skipped by dynamic picks, given when asked for
  t.is(pickAddress('lan', net, '10.1.0.129', new Set(), undefined, range, ['10.1.0.128']), '10.1.0.130')
  t.is(pickAddress('lan', net, '10.1.0.129', new Set(), '10.1.0.128', range, ['10.1.0.128']), '10.1.0.128')
  // the range's last address is the subnet's broadcast: skipped
  const tail = parseCidr('10.1.0.252/30')
  t.is(pickAddress('lan', net, '10.1.0.1', new Set(['10.1.0.252', '10.1.0.253']), undefined, tail), '10.1.0.254')
  t.throws(() => pickAddress('lan', net, '10.1.0.1', new Set(['10.1.0.252', '10.1.0.253', '10.1.0.254']), undefined, tail), {message: /no free address left in network lan \(10\.1\.0\.252\/30\)/})
})

test('macFromIp is Docker\'s 02:42 + address bytes', (t) => {
  t.is(macFromIp('172.17.0.2'), '02:42:ac:11:00:02')
  t.is(macFromIp('10.1.0.255'), '02:42:0a:01:00:ff')
  t.throws(() => macFromIp('10.1.0'), {instanceOf: UserError})
})

test.serial('persisted leases: one file per address, O_EXCL, release by owner', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-ipam-'))
  const before = process.env.MINIRUN_ROOT
  process.env.MINIRUN_ROOT = root
  t.teardown(() => {
    if (before === undefined) delete process.env.MINIRUN_ROOT
    else process.env.MINIRUN_ROOT = before
    fs.rmSync(root, {recursive: true, force: true})
  })
  const small = parseCidr('10.1.0.0/29')
  t.deepEqual(await leases('my_net'), new Map())
  t.is(await allocate('my_net', small, '10.1.0.1', 'aaa'), '10.1.0.2')
  t.is(await allocate('my_net', small, '10.1.0.1', 'bbb'), '10.1.0.3')
  t.is(await allocate('my_net', small, '10.1.0.1', 'aaa', '10.1.0.6'), '10.1.0.6')
  const dir = path.join(root, 'ipam', 'my_net')
  t.deepEqual(fs.readdirSync(dir).sort(), ['10.1.0.2', '10.1.0.3', '10.1.0.6'])
  t.is(fs.readFileSync(path.join(dir, '10.1.0.3'), 'utf8'), 'bbb')
  await t.throwsAsync(allocate('my_net', small, '10.1.0.1', 'ccc', '10.1.0.3'), {message: 'address 10.1.0.3 is already in use on network my_net'})
  // junk in the directory is not a lease
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'x')
  t.deepEqual(await leases('my_net'), new Map([['10.1.0.2', 'aaa'], ['10.1.0.3', 'bbb'], ['10.1.0.6', 'aaa']]))

  await release('my_net', 'aaa')
  await release('my_net', 'aaa') // idempotent
  t.deepEqual(await leases('my_net'), new Map([['10.1.0.3', 'bbb']]))
  t.is(await allocate('my_net', small, '10.1.0.1', 'ddd'), '10.1.0.2')
  // with the address its attachment records: that lease goes, others' stay
  await release('my_net', 'ddd', '10.1.0.3')
  t.deepEqual(await leases('my_net'), new Map([['10.1.0.3', 'bbb']]), "a recorded address that is another's: its owner's leases are found by reading them all")
  await release('my_net', 'bbb', '10.1.0.3')
  t.deepEqual(await leases('my_net'), new Map())
  t.is(await allocate('my_net', small, '10.1.0.1', 'ddd'), '10.1.0.2')
  t.is(await allocate('my_net', small, '10.1.0.1', 'bbb'), '10.1.0.3')
  for (const o of ['e', 'f', 'g']) await allocate('my_net', small, '10.1.0.1', o)
  await t.throwsAsync(allocate('my_net', small, '10.1.0.1', 'h'), {message: /no free address left in network my_net/})
  await releaseAll('my_net')
  await releaseAll('my_net')
  t.false(fs.existsSync(dir))
  await release('gone_net', 'x') // no directory: still fine
})
