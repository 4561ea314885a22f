import test from 'ava'
import {attachmentFromResult, parseCniConfig, pluginError, pluginInput, runtimeConfig, unsupportedCapabilities} from '../../src/networks/drivers/cni-config.js'

const list = parseCniConfig(JSON.stringify({cniVersion: '1.0.0', name: 'n1', plugins: [{type: 'bridge', capabilities: {ips: true}}, {type: 'portmap', capabilities: {portMappings: true}}]}), 'f')

test('a .conf becomes a list of one; versions, names and plugin types are checked', (t) => {
  t.deepEqual(parseCniConfig('{"cniVersion":"0.4.0","name":"x1","type":"ptp","ipMasq":true}', 'a.conf'), {cniVersion: '0.4.0', name: 'x1', plugins: [{type: 'ptp', ipMasq: true}]})
  t.throws(() => parseCniConfig('{"cniVersion":"2.0.0","name":"x1","type":"ptp"}', 'b'), {message: /cniVersion 2.0.0 is not supported/})
  t.throws(() => parseCniConfig('{"cniVersion":"1.0.0","name":"x1","plugins":[{"type":"/bin/sh"}]}', 'c'), {message: /plugins\.0\.type: a plugin type is a binary name/})
  t.throws(() => parseCniConfig('{"cniVersion":"1.0.0","name":"x1","type":"../sh"}', 'd'), {message: /type: a plugin type is a binary name/})
  t.throws(() => parseCniConfig('{"cniVersion":"1.0.0","name":"x1","plugins":[]}', 'e'), {message: /plugins/})
  t.throws(() => parseCniConfig('not json', 'f'), {message: /CNI configuration f is not JSON/})
})

test('stdin: the list name and version, prevResult, and only the capability args a plugin declared', (t) => {
  const rc = runtimeConfig([{hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp'}], '10.0.0.5')
  const bridge = JSON.parse(pluginInput(list, list.plugins[0], undefined, rc))
  t.deepEqual(bridge, {type: 'bridge', capabilities: {ips: true}, cniVersion: '1.0.0', name: 'n1', runtimeConfig: {ips: ['10.0.0.5']}})
  const portmap = JSON.parse(pluginInput(list, list.plugins[1], {ips: []}, rc))
  t.deepEqual(portmap.runtimeConfig, {portMappings: [{hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1'}]})
  t.deepEqual(portmap.prevResult, {ips: []})
  t.deepEqual(unsupportedCapabilities({...list, plugins: [list.plugins[0]]}, rc), ['portMappings'])
})

test('the attachment comes from the interface in the sandbox; errors are one line naming the plugin', (t) => {
  const result = {interfaces: [{name: 'cni0', mac: 'aa:aa:aa:aa:aa:aa'}, {name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/x'}], ips: [{address: '10.1.0.9/24', gateway: '10.1.0.1', interface: 1}]}
  t.deepEqual(attachmentFromResult(result, 'eth0', 'bridge'), {ip: '10.1.0.9', prefixLen: 24, gateway: '10.1.0.1', mac: '02:00:00:00:00:01'})
  t.throws(() => attachmentFromResult({interfaces: []}, 'eth0', 'bridge'), {message: /gave eth0 no IPv4 address/})
  t.is(pluginError('nope', 'ADD', '{"code":11,"msg":"no luck","details":"line1\\nline2"}', '', 1), 'CNI plugin nope failed on ADD: no luck: line1 line2')
  t.is(pluginError('x', 'DEL', 'garbage', 'stderr text\nmore', 2), 'CNI plugin x failed on DEL: stderr text')
})
