import test from 'ava'
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {addressIn, cniResult, type ResultContext} from '../../src/cni-plugin/cni-result.js'
import {CODES, CniError, errorJson, parseCommand, parseConfig, parseRequest, requestedVersion} from '../../src/cni-plugin/request.js'
import type {NetworkAttachment} from '../../src/networks/driver.js'

const att: NetworkAttachment = {networkId: 'n', networkName: 'pods', ifname: 'eth0', ip: '10.88.0.5', prefixLen: 16, gateway: '10.88.0.1', mac: '02:42:0a:58:00:05', hostIfname: 'mr0123456789a0', aliases: []}
const ctx: ResultContext = {cniVersion: '1.0.0', bridge: {name: 'cni0', mac: '02:00:00:00:00:01'}, hostVeth: {name: 'mr0123456789a0', mac: '02:00:00:00:00:02'}, netns: '/var/run/netns/p1', defaultRoute: true}

test('an attachment as a CNI 1.0 result: bridge, host veth, sandbox interface; the address points at the sandbox one', (t) => {
  t.deepEqual(cniResult(att, ctx), {
    cniVersion: '1.0.0',
    interfaces: [ctx.bridge, ctx.hostVeth, {name: 'eth0', mac: att.mac, sandbox: '/var/run/netns/p1'}],
    ips: [{address: '10.88.0.5/16', gateway: '10.88.0.1', interface: 2}],
    routes: [{dst: '0.0.0.0/0', gw: '10.88.0.1'}],
    dns: {},
  })
})

test('0.3.x and 0.4.0 results carry version "4" on each address; no default route, no routes key', (t) => {
  const r = cniResult({...att, ifname: 'net1'}, {...ctx, cniVersion: '0.4.0', defaultRoute: false, dns: {nameservers: ['10.88.0.1']}})
  t.is(r.ips![0].version, '4')
  t.false('routes' in r)
  t.deepEqual(r.dns, {nameservers: ['10.88.0.1']})
})

test('prevResult is kept and ours follows it, with interface indexes shifted', (t) => {
  const prev = {cniVersion: '1.0.0', interfaces: [{name: 'lo', sandbox: '/x'}], ips: [{address: '127.0.0.1/8', interface: 0}], routes: [{dst: '10.0.0.0/8'}], dns: {domain: 'a'}}
  const r = cniResult(att, ctx, prev)
  t.is(r.interfaces!.length, 4)
  t.deepEqual(r.ips!.map((i) => i.interface), [0, 3])
  t.deepEqual(r.routes, [{dst: '10.0.0.0/8'}, {dst: '0.0.0.0/0', gw: '10.88.0.1'}])
  t.deepEqual(r.dns, {domain: 'a'})
  t.is(addressIn(r, 'eth0', '/var/run/netns/p1'), '10.88.0.5/16')
  t.is(addressIn(r, 'eth0', '/other'), undefined, 'the same name in another namespace is not ours')
})

const conf = (extra: object = {}) => JSON.stringify({cniVersion: '1.0.0', name: 'pods', type: 'minirun-bridge', ...extra})
const env = {CNI_CONTAINERID: 'abc123', CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/p1'}
const code = (f: () => unknown) => {
  try {
    f()
  } catch (error) {
    return (error as CniError).code
  }
  return undefined
}

test('the config: keys, capability args as minirun ports, address and MAC', (t) => {
  const c = parseConfig(conf({bridge: 'cni0', subnet: '10.88.0.0/16', runtimeConfig: {portMappings: [{hostPort: 8080, containerPort: 80, protocol: 'TCP', hostIP: '127.0.0.1'}], ips: ['10.88.0.9/16'], mac: '02:AA:00:00:00:01'}}))
  t.like(c, {name: 'pods', bridge: 'cni0', subnet: '10.88.0.0/16', ip: '10.88.0.9', mac: '02:aa:00:00:00:01'})
  t.deepEqual(c.ports, [{hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp'}])
  t.deepEqual(parseConfig(conf({runtimeConfig: {portMappings: [{hostPort: 1, containerPort: 2}]}})).ports, [{hostIp: '0.0.0.0', hostPort: 1, containerPort: 2, protocol: 'tcp'}])
})

test('bad configs are code 7, not JSON 6, unknown version 1; a name or bridge that would become a path or a bad link name is refused', (t) => {
  t.is(code(() => parseConfig('{')), CODES.decodeFailure)
  t.is(code(() => parseConfig(conf({cniVersion: '2.0.0'}))), CODES.incompatibleVersion)
  for (const bad of [{name: '../x'}, {bridge: 'a-name-far-too-long'}, {subnet: 'x'}, {gateway: '1.2.3'}, {stateDir: 'rel/dir'}, {runtimeConfig: {portMappings: [{hostPort: 0, containerPort: 80}]}}, {runtimeConfig: {ips: ['fd00::1/64']}}, {runtimeConfig: {mac: 'zz'}}, {prevResult: 'x'}]) {
    t.is(code(() => parseConfig(conf(bad))), CODES.invalidConfig, JSON.stringify(bad))
  }
})

test('the environment: code 4 for a missing or bad variable; DEL without a netns is fine; CHECK needs prevResult', (t) => {
  t.is(parseCommand({CNI_COMMAND: 'DEL'}), 'DEL')
  t.is(code(() => parseCommand({CNI_COMMAND: 'GC'})), CODES.invalidEnv)
  t.is(code(() => parseRequest('ADD', {...env, CNI_NETNS: ''}, conf())), CODES.invalidEnv)
  t.is(code(() => parseRequest('ADD', {...env, CNI_IFNAME: 'eth0/../x'}, conf())), CODES.invalidEnv)
  t.is(code(() => parseRequest('ADD', {...env, CNI_CONTAINERID: ''}, conf())), CODES.invalidEnv)
  t.is(parseRequest('DEL', {...env, CNI_NETNS: ''}, conf()).netns, '')
  t.is(code(() => parseRequest('CHECK', env, conf())), CODES.invalidConfig)
  t.is(requestedVersion(''), '1.0.0')
  t.is(requestedVersion('{"cniVersion":"0.4.0"}'), '0.4.0')
  t.deepEqual(JSON.parse(errorJson('1.0.0', new CniError(7, 'bad', 'why'))), {cniVersion: '1.0.0', code: 7, msg: 'bad', details: 'why'})
})

test('examples/cni/minirun-bridge.conflist is a config the plugin accepts, as libcni would pass it', (t) => {
  const file = fileURLToPath(new URL('../../../examples/cni/minirun-bridge.conflist', import.meta.url))
  const list = JSON.parse(fs.readFileSync(file, 'utf8')) as {cniVersion: string; name: string; plugins: Array<Record<string, unknown>>}
  const c = parseConfig(JSON.stringify({...list.plugins[0], cniVersion: list.cniVersion, name: list.name, runtimeConfig: {portMappings: [{hostPort: 8080, containerPort: 80, protocol: 'tcp'}]}}))
  t.like(c, {name: 'minirun-pods', bridge: 'mrpods0', stateDir: '/var/lib/cni/minirun'})
  t.is(c.ports.length, 1)
})
