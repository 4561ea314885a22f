import test from 'ava'
import {containerResolvConf, hasResolver, hostsEntry, networkDomain, parseDnsSettings, parseNetworkAliases, resolverConf, upstreamServers, forwarderConf, forwarderRedirect, forwarderServers, reverseZones, withDnsSettings} from '../../src/networks/dns/config.js'
import {networkRulesScript} from '../../src/networks/firewall/nft-script.js'

const files = {hostsDir: '/run/minirun/dns/n1/hosts', pidFile: '/run/minirun/dns/n1/dnsmasq.pid', logFile: '/run/minirun/dns/n1/dnsmasq.log'}

test('upstreams: the host\'s nameservers without loopback ones, once each', (t) => {
  t.deepEqual(upstreamServers('# c\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nnameserver 2001:db8::1\nnameserver 192.0.2.1\nsearch x\n'), ['192.0.2.1', '2001:db8::1'])
  t.deepEqual(upstreamServers('nameserver 127.0.0.1\n'), [])
  t.deepEqual(upstreamServers('nameserver $(reboot)\n'), [], 'only addresses reach the configuration')
})

test('resolver configuration: the gateway only, our hosts files only, a zone of its own, nobody', (t) => {
  const lines = resolverConf({network: 'my_net', gateway: '10.5.0.1', upstreams: ['192.0.2.1'], files}).split('\n')
  for (const l of ['listen-address=10.5.0.1', 'bind-interfaces', 'no-resolv', 'server=192.0.2.1', 'no-hosts', `hostsdir=${files.hostsDir}`, 'domain=my-net.dns.minirun', 'local=/my-net.dns.minirun/', 'domain-needed', 'bogus-priv', 'user=nobody', `pid-file=${files.pidFile}`]) {
    t.true(lines.includes(l), l)
  }
  t.false(lines.some((l) => /^(dhcp|interface=|addn-hosts|resolv-file)/.test(l)), 'no DHCP, no other interface, no host files')
  t.false(lines.some((l) => /^servers-file|^server=\//.test(l)), "a network's resolver never forwards to another network's")
})

test("a container's forwarder: 127.0.0.11 only, each network's zones to its own resolver, the rest to the first one's", (t) => {
  const fwd = {serversFile: '/run/minirun/dns-forwarders/c1/servers', pidFile: '/run/minirun/dns-forwarders/c1/dnsmasq.pid', logFile: '/run/minirun/dns-forwarders/c1/dnsmasq.log'}
  const lines = forwarderConf({container: 'c1', port: 41053, files: fwd}).split('\n')
  for (const l of ['port=41053', 'listen-address=127.0.0.11', 'bind-interfaces', 'no-resolv', 'no-hosts', `servers-file=${fwd.serversFile}`, 'local=/dns.minirun/', 'cache-size=0', 'user=nobody']) t.true(lines.includes(l), l)
  t.false(lines.some((l) => /^(dhcp|interface=|hostsdir|addn-hosts|resolv-file|server=)/.test(l)), 'no DHCP, no interface, no names of its own, servers only from the servers file')
  const two = [{network: 'a', gateway: '10.5.0.1', ip: '10.5.0.7', prefixLen: 24}, {network: 'My_B', gateway: '10.6.0.1', ip: '10.6.0.9', prefixLen: 16}]
  t.is(forwarderServers(two), 'server=/a.dns.minirun/10.5.0.1\nserver=/0.5.10.in-addr.arpa/10.5.0.1\nserver=/my-b.dns.minirun/10.6.0.1\nserver=/6.10.in-addr.arpa/10.6.0.1\nserver=10.5.0.1\n')
  // port 53 of 127.0.0.11 is redirected to it (udp and tcp), so the container keeps its own port 53
  t.is(forwarderRedirect(41053), 'add table ip minirun_dns\nadd chain ip minirun_dns output { type nat hook output priority -100; policy accept; }\nflush chain ip minirun_dns output\nadd rule ip minirun_dns output ip daddr 127.0.0.11 udp dport 53 dnat to 127.0.0.11:41053\nadd rule ip minirun_dns output ip daddr 127.0.0.11 tcp dport 53 dnat to 127.0.0.11:41053\n')
})

test('reverse zones cover exactly the subnet, one per whole-octet block', (t) => {
  t.deepEqual(reverseZones('10.89.3.77', 24), ['3.89.10.in-addr.arpa'])
  t.deepEqual(reverseZones('10.89.3.77', 8), ['10.in-addr.arpa'])
  const z20 = reverseZones('172.20.19.5', 20)
  t.is(z20.length, 16)
  t.is(z20[0], '16.20.172.in-addr.arpa')
  t.is(z20[15], '31.20.172.in-addr.arpa')
  t.deepEqual(reverseZones('192.168.1.130', 26).slice(0, 2), ['128.1.168.192.in-addr.arpa', '129.1.168.192.in-addr.arpa'])
  t.is(reverseZones('192.168.1.130', 26).length, 64)
  t.deepEqual(reverseZones('192.168.1.130', 32), ['130.1.168.192.in-addr.arpa'])
})

test('hosts entries and zones', (t) => {
  t.is(hostsEntry('10.5.0.2', ['web', 'abc123def456', 'web', 'www', 'bad name', 'x\n1.2.3.4 evil', '']), '10.5.0.2\tweb abc123def456 www\n')
  t.is(hostsEntry('10.5.0.2', ['bad name']), '')
  t.is(networkDomain('My_Net'), 'my-net.dns.minirun')
  t.true(hasResolver({driver: 'bridge'}))
  t.false(hasResolver({driver: 'bridge', isDefault: true}), 'the default bridge has no names, as in Docker')
  t.false(hasResolver({driver: 'macvlan'}))
})

test("a container's resolv.conf: its network's resolver (on several, its forwarder), every network's zone, ndots:0", (t) => {
  const two = [{network: 'a', gateway: '10.5.0.1'}, {network: 'b', gateway: '10.6.0.1'}]
  t.is(containerResolvConf(two, {}), 'nameserver 127.0.0.11\nsearch a.dns.minirun b.dns.minirun\noptions ndots:0\n')
  t.is(containerResolvConf(two.slice(0, 1), {}), 'nameserver 10.5.0.1\nsearch a.dns.minirun\noptions ndots:0\n')
  t.is(containerResolvConf(two, {servers: ['192.0.2.9']}), 'nameserver 192.0.2.9\nsearch a.dns.minirun b.dns.minirun\noptions ndots:0\n', '--dns still wins')
  t.is(containerResolvConf(two.slice(0, 1), {servers: ['192.0.2.9'], search: ['corp.example'], options: ['ndots:2', 'edns0']}), 'nameserver 192.0.2.9\nsearch a.dns.minirun corp.example\noptions ndots:2 edns0\n')
  const host = 'nameserver 192.0.2.1\nsearch lan\noptions rotate\n'
  t.is(withDnsSettings(host, {}), host)
  t.is(withDnsSettings(host, {servers: ['192.0.2.9'], search: ['.']}), 'nameserver 192.0.2.9\noptions rotate\n')
})

test('--dns flags and --network-alias are checked before they reach a file', (t) => {
  t.is(parseDnsSettings({}), undefined)
  t.deepEqual(parseDnsSettings({dns: ['192.0.2.9', '2001:db8::53'], 'dns-option': ['ndots:1']}), {servers: ['192.0.2.9', '2001:db8::53'], search: undefined, options: ['ndots:1']})
  t.throws(() => parseDnsSettings({dns: ['192.0.2.300']}), {message: /^invalid --dns "192\.0\.2\.300"/})
  t.throws(() => parseDnsSettings({dns: ['1.2.3.4\nnameserver 6.6.6.6']}), {message: /^invalid --dns/})
  t.throws(() => parseDnsSettings({'dns-search': ['a b']}), {message: /^invalid --dns-search/})
  t.throws(() => parseDnsSettings({'dns-option': ['ndots:1\nnameserver 6.6.6.6']}), {message: /^invalid --dns-option/})
  t.deepEqual(parseNetworkAliases(['db', 'db.internal']), ['db', 'db.internal'])
  t.throws(() => parseNetworkAliases(['x y']), {message: /^invalid --network-alias "x y"/})
})

test('the resolver answers its own bridge and the host only (nft input rule)', (t) => {
  const s = networkRulesScript('ab12', {name: 'n1', subnet: '10.5.0.0/24', bridge: 'mrb-1', resolver: '10.5.0.1'})
  t.true(s.includes('add rule ip minirunab12 input ip daddr 10.5.0.1 meta l4proto { tcp, udp } th dport 53 iifname != { "mrb-1", "lo" } counter drop comment "net:n1"'))
  t.false(networkRulesScript('ab12', {name: 'bridge', subnet: '172.17.0.0/16', bridge: 'minirun0'}).includes('dport 53'), 'no resolver, no rule')
})
