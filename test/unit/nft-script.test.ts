import test from 'ava'
import {
  addPortsScript, baseTableScript, deleteCountersScript, deleteElementsScript, deleteNetworkRulesScript, deletePortsScript, deleteTableScript, elementOf,
  networkComment, networkRulesScript, parseTable, portsInTables, tableName,
} from '../../src/networks/firewall/nft-script.js'
import type {PortMapping} from '../../src/networks/ports.js'

const MARK = 'minirun:/var/lib/minirun-test'
const m = (hostIp: string, hostPort: number, containerPort: number, protocol: 'tcp' | 'udp' = 'tcp'): PortMapping => ({hostIp, hostPort, containerPort, protocol})

test('table name carries the instance tag', (t) => {
  t.is(tableName(''), 'minirun')
  t.is(tableName('ab12'), 'minirunab12')
})

test('base table: only minirun\'s table, chains, four maps, DNAT rules that look up the maps', (t) => {
  const s = baseTableScript('ab12', MARK)
  const lines = s.trim().split('\n')
  t.true(lines.every((l) => / ip minirunab12( |$)/.test(l)), 'every line names minirun\'s table and nothing else')
  t.true(lines.includes('add chain ip minirunab12 prerouting { type nat hook prerouting priority dstnat; policy accept; }'))
  t.true(lines.includes('add chain ip minirunab12 output { type nat hook output priority -100; policy accept; }'))
  t.true(lines.includes('add chain ip minirunab12 postrouting { type nat hook postrouting priority srcnat; policy accept; }'))
  t.true(lines.includes('add map ip minirunab12 pub_tcp { type inet_service : ipv4_addr . inet_service; }'))
  t.true(lines.includes('add map ip minirunab12 pub_addr_udp { type ipv4_addr . inet_service : ipv4_addr . inet_service; }'))
  // idempotent: the DNAT chains are flushed before their rules are added again; postrouting is not
  t.true(lines.indexOf('flush chain ip minirunab12 prerouting') < lines.indexOf('add rule ip minirunab12 prerouting fib daddr type local dnat ip to tcp dport map @pub_tcp'))
  t.false(s.includes('flush chain ip minirunab12 postrouting'))
  t.false(/flush (ruleset|table)|delete table/.test(s))
  // specific-address map before the any-address map, in both chains
  for (const chain of ['prerouting', 'output']) {
    const addr = lines.indexOf(`add rule ip minirunab12 ${chain} fib daddr type local dnat ip to ip daddr . tcp dport map @pub_addr_tcp`)
    const any = lines.indexOf(`add rule ip minirunab12 ${chain} fib daddr type local dnat ip to tcp dport map @pub_tcp`)
    t.true(addr > 0 && any > addr, chain)
  }
  t.is(lines.filter((l) => l.includes('add rule') && !/ (owner|count_in|count_out) /.test(l)).length, 8, 'one rule per chain, map and protocol — not per port')
  // the owner: the table's comment for people, the owner chain's one rule for `nft -j`; refilled, never duplicated
  t.true(lines.includes(`add table ip minirunab12 { comment "${MARK}"; }`))
  t.true(lines.indexOf('flush chain ip minirunab12 owner') < lines.indexOf(`add rule ip minirunab12 owner counter comment "${MARK}"`))
  // filter chains that hold only the networks' drops
  t.true(lines.includes('add chain ip minirunab12 input { type filter hook input priority filter; policy accept; }'))
  t.true(lines.includes('add chain ip minirunab12 forward { type filter hook forward priority filter; policy accept; }'))
  t.true(lines.includes('add chain ip minirunab12 isolate'))
  // per-port counters for the live page: counted by a set the traffic fills, not a rule per port
  t.true(lines.includes('add rule ip minirunab12 count_in ct status dnat meta l4proto tcp update @pub_count_tcp { ct original proto-dst }'))
  t.true(lines.indexOf('flush chain ip minirunab12 count_out') < lines.indexOf('add rule ip minirunab12 count_out ct status dnat meta l4proto udp update @pub_count_udp { ct original proto-dst }'))
  t.throws(() => baseTableScript('ab12', 'minirun:/x"; flush ruleset'), {message: /owner mark/})
  t.throws(() => baseTableScript('ab12', 'minirun:/' + 'x'.repeat(130)), {message: /owner mark/})
})

test('network rules carry the network\'s comment; existing ones are replaced by handle', (t) => {
  const net = {name: 'my_net', subnet: '10.1.0.0/24', bridge: 'mrb-0123456789'}
  t.is(
    networkRulesScript('', net),
    [
      'add rule ip minirun postrouting ip saddr 10.1.0.0/24 oifname != "mrb-0123456789" masquerade comment "net:my_net"',
      'add rule ip minirun postrouting ip saddr 10.1.0.0/24 ip daddr 10.1.0.0/24 ct status dnat masquerade comment "net:my_net"',
      'add rule ip minirun postrouting ip saddr 127.0.0.0/8 oifname "mrb-0123456789" masquerade comment "net:my_net"',
      'add rule ip minirun input iifname "mrb-0123456789" ip daddr 127.0.0.0/8 ct state & (established | related) == 0 ct status & dnat == 0 counter drop comment "net:my_net"',
      'add rule ip minirun forward iifname "mrb-0123456789" oifname != "mrb-0123456789" jump isolate comment "net:my_net"',
      'add rule ip minirun isolate oifname "mrb-0123456789" ct status & dnat == 0 counter drop comment "net:my_net"',
    ].join('\n') + '\n',
  )
  t.false(networkRulesScript('', net).includes('accept'), 'this table never accepts: only another table could be overridden by that')
  const existing = [
    {chain: 'postrouting', handle: 7, comment: 'net:my_net'},
    {chain: 'postrouting', handle: 8, comment: 'net:other'},
    {chain: 'prerouting', handle: 2},
    {chain: 'isolate', handle: 12, comment: 'net:my_net'},
  ]
  const again = networkRulesScript('', net, existing).split('\n')
  t.deepEqual(again.slice(0, 2), ['delete rule ip minirun postrouting handle 7', 'delete rule ip minirun isolate handle 12'])
  t.false(again.some((l) => l.includes('handle 8') || l.includes('handle 2')))
  t.is(deleteNetworkRulesScript('', 'my_net', existing), 'delete rule ip minirun postrouting handle 7\ndelete rule ip minirun isolate handle 12\n')
  t.is(deleteNetworkRulesScript('', 'nobody', existing), '')
  t.is(networkComment('my_net'), 'net:my_net')
})

test('nothing unsafe reaches a script', (t) => {
  t.throws(() => networkRulesScript('', {name: 'x"; flush ruleset', subnet: '10.1.0.0/24', bridge: 'br0'}))
  t.throws(() => networkRulesScript('', {name: 'n1', subnet: '10.1.0.0/24', bridge: 'br0" accept'}))
  t.throws(() => networkRulesScript('', {name: 'n1', subnet: '10.1.0.3/24', bridge: 'br0'}), {message: /host bits/})
  t.throws(() => addPortsScript('', [{mapping: m('0.0.0.0', 1, 80), containerIp: '10.1.0.2', owner: 'a b'}]))
  t.throws(() => addPortsScript('', [{mapping: m('0.0.0.0', 1, 80), containerIp: '10.1.0.2; x', owner: 'a'}]))
  t.throws(() => deleteElementsScript('', [{map: 'pub_tcp', key: '80 }; flush ruleset; {'}]))
})

test('published ports become map elements owned by their container', (t) => {
  const entries = [
    {mapping: m('0.0.0.0', 18080, 80), containerIp: '172.17.0.2', owner: 'abc123'},
    {mapping: m('127.0.0.1', 18081, 8080), containerIp: '172.17.0.2', owner: 'abc123'},
    {mapping: m('0.0.0.0', 5353, 53, 'udp'), containerIp: '172.17.0.3', owner: 'def456'},
  ]
  t.is(
    addPortsScript('ab12', entries),
    'add element ip minirunab12 pub_tcp { 18080 comment "c:abc123" : 172.17.0.2 . 80 }\n' +
      'add element ip minirunab12 pub_addr_tcp { 127.0.0.1 . 18081 comment "c:abc123" : 172.17.0.2 . 8080 }\n' +
      'add element ip minirunab12 pub_udp { 5353 comment "c:def456" : 172.17.0.3 . 53 }\n',
  )
  t.is(
    deletePortsScript('ab12', entries),
    'delete element ip minirunab12 pub_tcp { 18080 }\ndelete element ip minirunab12 pub_addr_tcp { 127.0.0.1 . 18081 }\ndelete element ip minirunab12 pub_udp { 5353 }\n',
  )
  t.deepEqual(elementOf(m('10.0.0.1', 80, 8080, 'udp')), {map: 'pub_addr_udp', key: '10.0.0.1 . 80'})
  t.throws(() => elementOf(m('0.0.0.0', 0, 80)), {message: /has not been chosen yet/})
  t.is(addPortsScript('', []), '')
})

test('deleting the table is idempotent', (t) => {
  t.is(deleteTableScript('ab12'), 'add table ip minirunab12\ndelete table ip minirunab12\n')
})

// Captured from `nft -j list table ip minirunzz` (nft 1.0.6) after applying the scripts above.
const LISTED = JSON.stringify({nftables: [
  {metainfo: {version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1}},
  {table: {family: 'ip', name: 'minirunzz', handle: 1}},
  {map: {family: 'ip', name: 'pub_tcp', table: 'minirunzz', type: 'inet_service', handle: 5, map: 'ipv4_addr . inet_service',
    elem: [[{elem: {val: 18080, comment: 'c:abc'}}, {concat: ['172.17.0.2', 80]}], [9090, {concat: ['172.17.0.9', 90]}]]}},
  {map: {family: 'ip', name: 'pub_addr_tcp', table: 'minirunzz', type: ['ipv4_addr', 'inet_service'], handle: 6, map: 'ipv4_addr . inet_service',
    elem: [[{elem: {val: {concat: ['127.0.0.1', 18081]}, comment: 'c:def'}}, {concat: ['172.17.0.3', 80]}]]}},
  {map: {family: 'ip', name: 'pub_udp', table: 'minirunzz', type: 'inet_service', handle: 7, map: 'ipv4_addr . inet_service'}},
  {chain: {family: 'ip', table: 'minirunzz', name: 'prerouting', handle: 1, type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept'}},
  {chain: {family: 'ip', table: 'minirunzz', name: 'postrouting', handle: 3, type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept'}},
  {rule: {family: 'ip', table: 'minirunzz', chain: 'prerouting', handle: 8, expr: [{match: {op: '==', left: {fib: {result: 'type', flags: ['daddr']}}, right: 'local'}}]}},
  {rule: {family: 'ip', table: 'minirunzz', chain: 'postrouting', handle: 9, comment: 'net:bridge', expr: [{masquerade: null}]}},
  {rule: {family: 'ip', table: 'minirunzz', chain: 'owner', handle: 10, comment: 'minirun:/var/lib/x', expr: [{counter: {packets: 0, bytes: 0}}]}},
]})

test('parseTable: elements with owners, rules with handles and comments', (t) => {
  const parsed = parseTable(LISTED)
  t.deepEqual(parseTable(JSON.parse(LISTED)), parsed)
  t.deepEqual(parsed.chains, ['prerouting', 'postrouting'])
  t.deepEqual(parsed.maps, ['pub_tcp', 'pub_addr_tcp', 'pub_udp'])
  t.deepEqual(parsed.rules, [{chain: 'prerouting', handle: 8}, {chain: 'postrouting', handle: 9, comment: 'net:bridge'}])
  t.is(parsed.owner, 'minirun:/var/lib/x', 'the owner rule is the mark, not one of the rules')
  t.deepEqual(parsed.elements, [
    {map: 'pub_tcp', key: '18080', value: '172.17.0.2 . 80', owner: 'abc',
      entry: {mapping: m('0.0.0.0', 18080, 80), containerIp: '172.17.0.2', owner: 'abc'}},
    {map: 'pub_tcp', key: '9090', value: '172.17.0.9 . 90',
      entry: {mapping: m('0.0.0.0', 9090, 90), containerIp: '172.17.0.9', owner: ''}},
    {map: 'pub_addr_tcp', key: '127.0.0.1 . 18081', value: '172.17.0.3 . 80', owner: 'def',
      entry: {mapping: m('127.0.0.1', 18081, 80), containerIp: '172.17.0.3', owner: 'def'}},
  ])
  // what a parsed element says can be fed straight back to delete it
  t.is(deleteElementsScript('zz', parsed.elements.slice(2)), 'delete element ip minirunzz pub_addr_tcp { 127.0.0.1 . 18081 }\n')
  t.deepEqual(parseTable({nftables: []}), {chains: [], maps: [], elements: [], rules: []})
})

test('unpublished ports forget their counters: add then delete, once per port and protocol', (t) => {
  t.is(
    deleteCountersScript('ab12', [{hostPort: 18080, protocol: 'tcp'}, {hostPort: 18080, protocol: 'tcp'}, {hostPort: 53, protocol: 'udp'}]),
    'add element ip minirunab12 pub_count_tcp { 18080 }\ndelete element ip minirunab12 pub_count_tcp { 18080 }\n' +
      'add element ip minirunab12 pub_count_udp { 53 }\ndelete element ip minirunab12 pub_count_udp { 53 }\n',
  )
  t.is(deleteCountersScript('ab12', [{hostPort: 0, protocol: 'tcp'}]), '', 'a port not chosen yet has no counter')
})

test("portsInTables: every minirun root's published ports with their table, never a stranger's", (t) => {
  const map = (table: string, port: number) => ({map: {family: 'ip', name: 'pub_tcp', table, elem: [[{elem: {val: port, comment: 'c:abc'}}, {concat: ['10.0.0.2', 80]}]]}})
  const json = {nftables: [{metainfo: {}}, map('minirun', 18500), map('minirunabc234', 18501), map('docker', 18502), map('miniruN-x', 18503)]}
  t.deepEqual(portsInTables(json), [
    {table: 'minirun', entry: {mapping: m('0.0.0.0', 18500, 80), containerIp: '10.0.0.2', owner: 'abc'}},
    {table: 'minirunabc234', entry: {mapping: m('0.0.0.0', 18501, 80), containerIp: '10.0.0.2', owner: 'abc'}},
  ])
})
