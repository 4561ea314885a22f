import test from 'ava'
import {XMLValidator} from 'fast-xml-parser'
import {allowedHosts, parseListen} from '../../src/diagram/listen.js'
import {parseLinkCounters, parsePortCounts, ratesOf, watchedLinks} from '../../src/diagram/live.js'
import type {Topology} from '../../src/diagram/model.js'
import {renderSvg} from '../../src/diagram/render.js'

// The live page's pure parts: --listen, the counters' parsers and rates, and an SVG that stays
// inert whatever the names in it.

test('--listen takes an IP literal and a port; a name, a bad port or garbage is refused', (t) => {
  t.deepEqual(parseListen('127.0.0.1:18400'), {host: '127.0.0.1', port: 18400, loopback: true})
  t.deepEqual(parseListen('18401'), {host: '127.0.0.1', port: 18401, loopback: true})
  t.deepEqual(parseListen('[::1]:8080'), {host: '::1', port: 8080, loopback: true})
  t.deepEqual(parseListen('10.0.0.5:8080'), {host: '10.0.0.5', port: 8080, loopback: false})
  for (const bad of ['localhost:18400', 'example.com:80', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '999.1.1.1:80', ':80', '127.0.0.1:80; rm', '']) {
    t.throws(() => parseListen(bad), {message: /^--listen .* is not IP:PORT/}, bad)
  }
})

test('the Host header must name this server (no DNS rebinding)', (t) => {
  t.deepEqual([...allowedHosts(parseListen('127.0.0.1:18400'))], ['127.0.0.1:18400', 'localhost:18400'])
  t.deepEqual([...allowedHosts(parseListen('[::1]:9'))], ['[::1]:9', 'localhost:9'])
  t.deepEqual([...allowedHosts(parseListen('10.0.0.5:80'))], ['10.0.0.5:80'])
  // every address: the host's own addresses (IPv4 ones on 0.0.0.0) and localhost, never a name
  const local = ['127.0.0.1', '10.0.0.5', 'fe80::1']
  t.deepEqual([...allowedHosts(parseListen('0.0.0.0:80'), local)], ['127.0.0.1:80', '10.0.0.5:80', 'localhost:80'])
  t.deepEqual([...allowedHosts(parseListen('[::]:80'), local)], ['127.0.0.1:80', '10.0.0.5:80', '[fe80::1]:80', 'localhost:80'])
  t.false(allowedHosts(parseListen('0.0.0.0:80'), local).has('0.0.0.0:80'))
})

test('per-port counters from nft -j list set; link counters from ip -s -j link', (t) => {
  const nft = {
    nftables: [
      {metainfo: {version: '1.0.6'}},
      {set: {name: 'pub_count_tcp', elem: [{elem: {val: 18080, expires: 3600, counter: {packets: 18, bytes: 978}}}, {elem: {val: 'x', counter: {packets: 1, bytes: 1}}}]}},
    ],
  }
  t.deepEqual(parsePortCounts(JSON.stringify(nft), 'tcp'), {'18080/tcp': {packets: 18, bytes: 978}})
  t.deepEqual(parsePortCounts({nftables: []}, 'udp'), {})
  const ip = JSON.stringify([
    {ifname: 'lo', stats64: {rx: {bytes: 1, packets: 1}, tx: {bytes: 1, packets: 1}}},
    {ifname: 'mrabc0', stats64: {rx: {bytes: 500, packets: 5, errors: 0}, tx: {bytes: 900, packets: 9}}},
  ])
  t.deepEqual(parseLinkCounters(ip, ['mrabc0', 'gone0']), {mrabc0: {rx: {bytes: 500, packets: 5}, tx: {bytes: 900, packets: 9}}})
})

test('rates: per second between readings; a new counter or one that went back starts at 0', (t) => {
  const r = ratesOf({a: {bytes: 100, packets: 1}, b: {bytes: 50, packets: 5}}, {a: {bytes: 2100, packets: 11}, b: {bytes: 10, packets: 1}, c: {bytes: 9, packets: 9}}, 500)
  t.deepEqual(r, {a: {bytes: 4000, packets: 20}, b: {bytes: 0, packets: 0}, c: {bytes: 0, packets: 0}})
  t.deepEqual(ratesOf(undefined, {a: {bytes: 1, packets: 1}}, 1000), {a: {bytes: 0, packets: 0}})
})

const hostile = '<script>alert(1)</script>"\'&'
const topo: Topology = {
  hostname: hostile,
  bridges: [{network: hostile, name: 'mr0', ifindex: 3, address: '172.17.0.1/16', subnet: '172.17.0.0/16'}],
  parents: [],
  containers: [
    {id: 'a'.repeat(64), name: hostile, ip: '172.17.0.2', ips: {[hostile]: '172.17.0.2'}, ports: ['0.0.0.0:8080->80/tcp'], publish: [{hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp'}], mode: 'bridge', sharedBy: [hostile]},
  ],
  links: [{kind: 'veth', network: hostile, attachedTo: 'mr0', hostIf: 'mrx"><script>0', hostIndex: 4, ctrIf: 'eth0', ctrIndex: 2, ctrPeerIndex: 4, container: hostile, ip: '172.17.0.2', mac: '02:42:ac:11:00:02'}],
}

test('the SVG escapes every name: no element or attribute can be injected', (t) => {
  const svg = renderSvg(topo)
  t.is(XMLValidator.validate(svg), true)
  t.false(svg.includes('<script'))
  t.true(svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;'))
  t.true(svg.includes('data-rate="mrx&quot;&gt;&lt;script&gt;0"'))
  t.true(svg.includes('data-count="8080/tcp"'), 'the page fills the port counter in')
  t.deepEqual(watchedLinks(topo), ['mr0', 'mrx"><script>0'])
})
