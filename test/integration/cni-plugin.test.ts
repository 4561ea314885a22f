import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {TestHost} from '../helpers/host.js'

// Issue 18, "go beyond": minirun's bridge driver as a CNI plugin for other runtimes
// (bin/minirun-bridge), driven exactly as libcni drives a conflist: the plugin binary found by
// its type in CNI_PATH, the CNI_* environment, the config on stdin with the list's name and
// cniVersion, runtimeConfig for the capabilities a plugin declares, prevResult from the plugin
// before; DEL in reverse order; CHECK with the cached result. Chained with Debian's tuning and
// portmap. Each "pod sandbox" is a network namespace held by a `sleep` the test started.

const PLUGIN = fileURLToPath(new URL('../../../bin/minirun-bridge', import.meta.url))

let host: TestHost
let cniPath: string
test.before(async () => {
  host = await TestHost.create('cniplug')
  // the runtime's CNI_PATH: minirun's plugin (a link, as a node's installer would make) before Debian's
  const dir = path.join(host.dir, 'cni-bin')
  fs.mkdirSync(dir)
  fs.symlinkSync(PLUGIN, path.join(dir, 'minirun-bridge'))
  cniPath = `${dir}:/usr/lib/cni`
})
test.after.always(async () => {
  await host?.close()
})

type Json = Record<string, any>
interface Conflist {
  cniVersion: string
  name: string
  plugins: Json[]
}
interface Sandbox {
  id: string
  netns: string
  pid: number
}

async function sandbox(t: {teardown: (f: () => void) => void}, id: string): Promise<Sandbox> {
  const pid = Number((await host.sh('unshare -n sleep 3600 >/dev/null 2>&1 & echo $!')).stdout.trim())
  await host.sh(`nsenter -t ${pid} -n ip link set lo up`)
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  })
  return {id, netns: `/proc/${pid}/ns/net`, pid}
}

/** One plugin call, as libcni's invoke package makes it. */
async function exec(type: string, command: string, sb: Sandbox, stdin: string) {
  const bin = cniPath.split(':').map((d) => path.join(d, type)).find((p) => fs.existsSync(p))!
  const r = await host.exec([bin], {input: stdin, env: {CNI_COMMAND: command, CNI_CONTAINERID: sb.id, CNI_NETNS: sb.netns, CNI_IFNAME: 'eth0', CNI_ARGS: 'IgnoreUnknown=1', CNI_PATH: cniPath}})
  return {...r, json: r.stdout.trim() ? (JSON.parse(r.stdout) as Json) : undefined}
}

/** libcni's buildOneConfig: the plugin's own keys, the list's name and version, the capability args it asked for, prevResult. */
function input(list: Conflist, plugin: Json, rc: Json, prevResult?: Json): string {
  const runtimeConfig = Object.fromEntries(Object.entries(rc).filter(([k]) => plugin.capabilities?.[k]))
  return JSON.stringify({...plugin, cniVersion: list.cniVersion, name: list.name, ...(Object.keys(runtimeConfig).length > 0 ? {runtimeConfig} : {}), ...(prevResult ? {prevResult} : {})})
}

async function addList(list: Conflist, sb: Sandbox, rc: Json = {}): Promise<Json> {
  let result: Json | undefined
  for (const p of list.plugins) {
    const r = await exec(p.type, 'ADD', sb, input(list, p, rc, result))
    if (r.exitCode !== 0) throw new Error(`ADD ${p.type} failed: ${r.stdout}${r.stderr}`)
    result = r.json
  }
  return result!
}

async function checkList(list: Conflist, sb: Sandbox, cached: Json, rc: Json = {}, skip: string[] = []): Promise<void> {
  for (const p of list.plugins.filter((p) => !skip.includes(p.type))) {
    const r = await exec(p.type, 'CHECK', sb, input(list, p, rc, cached))
    if (r.exitCode !== 0) throw new Error(`CHECK ${p.type} failed: ${r.stdout}${r.stderr}`)
  }
}

async function delList(list: Conflist, sb: Sandbox, cached: Json | undefined, rc: Json = {}): Promise<void> {
  for (const p of [...list.plugins].reverse()) {
    const r = await exec(p.type, 'DEL', sb, input(list, p, rc, cached))
    if (r.exitCode !== 0) throw new Error(`DEL ${p.type} failed: ${r.stdout}${r.stderr}`)
  }
}

const inNs = (sb: Sandbox, cmd: string) => host.sh(`nsenter -t ${sb.pid} -n sh -c '${cmd}'`)

async function serve(t: {teardown: (f: () => void) => void}, sb: Sandbox, port: number): Promise<void> {
  const www = path.join(host.dir, `www-${sb.id}`)
  fs.mkdirSync(www, {recursive: true})
  fs.writeFileSync(path.join(www, 'index.html'), `hello from ${sb.id}\n`)
  const pid = Number((await host.sh(`nsenter -t ${sb.pid} -n busybox httpd -f -p ${port} -h ${www} >/dev/null 2>&1 & echo $!`)).stdout.trim())
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  })
}

/** minirun's own nft table (the plugin's state dir's): not the iptables-nft rules portmap writes */
const minirunTable = async () => (await host.sh("for t in $(nft list tables | awk '/ minirun/ {print $3}'); do nft list table ip $t; done")).stdout

const curl = (url: string) => host.sh(`curl -s --max-time 3 --retry 20 --retry-connrefused --retry-delay 1 ${url}`)

test.serial('minirun-bridge + tuning: the result, CHECK, -p through minirun\'s own nft map on 127.0.0.1, two sandboxes over the bridge, DEL twice, nothing left', async (t) => {
  const list: Conflist = {
    cniVersion: '1.0.0',
    name: 'mrpod',
    plugins: [
      {type: 'minirun-bridge', bridge: 'tstmrb0', subnet: '10.89.40.0/24', stateDir: host.root, capabilities: {portMappings: true, ips: true, mac: true}},
      {type: 'tuning', sysctl: {'net.ipv4.conf.eth0.accept_redirects': '0'}},
    ],
  }
  const a = await sandbox(t, 'podaaaa')
  const b = await sandbox(t, 'podbbbb')
  const rcA = {portMappings: [{hostPort: 18600, containerPort: 8080, protocol: 'tcp'}]}
  const rcB = {ips: ['10.89.40.77/24'], mac: '02:42:0a:59:28:99'}
  const ra = await addList(list, a, rcA)
  t.teardown(() => delList(list, a, ra, rcA).catch(() => {}))
  const rb = await addList(list, b, rcB)
  t.teardown(() => delList(list, b, rb, rcB).catch(() => {}))

  t.is(ra.cniVersion, '1.0.0')
  t.deepEqual(ra.interfaces.map((i: Json) => i.name), ['tstmrb0', ra.interfaces[1].name, 'eth0'])
  t.is(ra.interfaces[2].sandbox, a.netns)
  t.regex(ra.interfaces[2].mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
  t.is(ra.ips.length, 1)
  t.regex(ra.ips[0].address, /^10\.89\.40\.\d+\/24$/)
  t.is(ra.ips[0].gateway, '10.89.40.1')
  t.is(ra.ips[0].interface, 2)
  t.deepEqual(ra.routes, [{dst: '0.0.0.0/0', gw: '10.89.40.1'}])
  t.is(rb.ips[0].address, '10.89.40.77/24', 'runtimeConfig.ips')
  t.is(rb.interfaces[2].mac, '02:42:0a:59:28:99', 'runtimeConfig.mac')
  t.regex((await inNs(b, 'ip -o link show eth0')).stdout, /02:42:0a:59:28:99/)
  t.false(fs.existsSync(path.join(host.root, 'run', 'dns')), "no resolver: the runtime sets a pod's DNS, and a plugin leaves no daemon")

  // a second ADD without DEL is refused and leaves the first endpoint as it was
  const again = await exec('minirun-bridge', 'ADD', a, input(list, list.plugins[0], rcA))
  t.like(again.json, {code: 100})
  t.regex(again.json?.msg, /already has eth0/)
  await checkList(list, a, ra, rcA)
  await checkList(list, b, rb, rcB)
  t.is((await inNs(a, 'cat /proc/sys/net/ipv4/conf/eth0/accept_redirects')).stdout.trim(), '0', 'tuning ran on the interface minirun made')

  // published by minirun's own nft map (no portmap in this list): one element, commented with the endpoint
  await serve(t, a, 8080)
  t.regex((await curl('http://127.0.0.1:18600/')).stdout, /hello from podaaaa/)
  t.regex(await minirunTable(), /18600 comment "c:[0-9a-f]{64}" : 10\.89\.40\.\d+ \. 8080/, 'an element of the port map, owned by the endpoint')
  const ipA = ra.ips[0].address.split('/')[0]
  t.regex((await inNs(b, `wget -qO- http://${ipA}:8080/ 2>&1 || busybox wget -qO- http://${ipA}:8080/`)).stdout, /hello from podaaaa/, 'b reaches a over the bridge')

  // CHECK notices an interface that changed under it
  await inNs(b, 'ip link set eth0 down')
  const bad = await exec('minirun-bridge', 'CHECK', b, input(list, list.plugins[0], rcB, rb))
  t.not(bad.exitCode, 0)
  t.is(bad.json?.code, 100)
  t.regex(bad.json?.msg, /eth0 is down/)

  await delList(list, a, ra, rcA)
  await delList(list, a, ra, rcA) // DEL is idempotent
  t.notRegex(await minirunTable(), /18600 comment/, 'the published port went with DEL')
  // the namespace is gone before DEL (a crashed sandbox): the host end goes anyway
  process.kill(b.pid, 'SIGKILL')
  await host.sh(`while kill -0 ${b.pid} 2>/dev/null; do sleep 0.05; done`)
  await delList(list, b, rb, rcB)
  await delList(list, b, undefined, rcB)
  t.false((await host.sh('ip link show tstmrb0')).exitCode === 0, 'the last endpoint out removed the bridge')
  t.deepEqual(await host.leaks(), [])
})

test.serial('minirun-bridge + portmap + tuning: Debian\'s portmap publishes from prevResult', async (t) => {
  const list: Conflist = {
    cniVersion: '1.0.0',
    name: 'mrpm',
    plugins: [
      {type: 'minirun-bridge', bridge: 'tstmrb1', subnet: '10.89.41.0/24', stateDir: host.root},
      {type: 'portmap', capabilities: {portMappings: true}, snat: true},
      {type: 'tuning', sysctl: {'net.ipv4.conf.eth0.accept_redirects': '0'}},
    ],
  }
  const a = await sandbox(t, 'podpm')
  const rc = {portMappings: [{hostPort: 18601, containerPort: 8080, protocol: 'tcp'}]}
  const r = await addList(list, a, rc)
  t.teardown(() => delList(list, a, r, rc).catch(() => {}))
  t.regex(r.ips[0].address, /^10\.89\.41\.\d+\/24$/)
  // portmap's own CHECK fails on an IPv4-only result (containernetworking/plugins#819): it looks for ip6tables rules
  await checkList(list, a, r, rc, ['portmap'])
  await serve(t, a, 8080)
  t.regex((await curl('http://127.0.0.1:18601/')).stdout, /hello from podpm/)
  t.notRegex(await minirunTable(), /18601 comment/, 'minirun did not publish: the list gave it no portMappings')
  t.regex((await host.sh('iptables -t nat -S')).stdout, /18601/, 'portmap did')
  await delList(list, a, r, rc)
  await delList(list, a, r, rc)
  t.notRegex((await host.sh('iptables -t nat -S')).stdout, /18601/)
  t.deepEqual(await host.leaks(), [])
})

test.serial('errors as CNI error JSON: bad config (7), bad environment (4), unsupported version (1); VERSION', async (t) => {
  const sb = await sandbox(t, 'poderr')
  const bad = await exec('minirun-bridge', 'ADD', sb, JSON.stringify({cniVersion: '1.0.0', name: 'bad', type: 'minirun-bridge', subnet: 'not-a-subnet', stateDir: host.root}))
  t.not(bad.exitCode, 0)
  t.like(bad.json, {cniVersion: '1.0.0', code: 7})
  t.regex(bad.json!.msg, /subnet/)
  const clash = await exec('minirun-bridge', 'ADD', sb, JSON.stringify({cniVersion: '1.0.0', name: 'bad', type: 'minirun-bridge', subnet: '10.89.42.0/24', gateway: '10.1.1.1', stateDir: host.root}))
  t.like(clash.json, {code: 7})
  t.regex(clash.json!.msg, /gateway 10\.1\.1\.1 is not in subnet/)
  const noJson = await exec('minirun-bridge', 'ADD', sb, '{')
  t.like(noJson.json, {code: 6})
  const version = await exec('minirun-bridge', 'ADD', sb, JSON.stringify({cniVersion: '9.9.9', name: 'v', type: 'minirun-bridge'}))
  t.like(version.json, {code: 1})
  const env = await host.exec([PLUGIN], {input: JSON.stringify({cniVersion: '1.0.0', name: 'e', type: 'minirun-bridge', stateDir: host.root}), env: {CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'x', CNI_IFNAME: 'eth0', CNI_PATH: cniPath}})
  t.not(env.exitCode, 0)
  t.like(JSON.parse(env.stdout), {code: 4, msg: 'CNI_NETNS is not set'})
  const v = await host.exec([PLUGIN], {input: JSON.stringify({cniVersion: '0.4.0'}), env: {CNI_COMMAND: 'VERSION'}})
  t.is(v.exitCode, 0)
  t.deepEqual(JSON.parse(v.stdout), {cniVersion: '0.4.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0']})
  // DEL of what was never added is success
  t.is((await exec('minirun-bridge', 'DEL', sb, JSON.stringify({cniVersion: '1.0.0', name: 'never', type: 'minirun-bridge', stateDir: host.root}))).exitCode, 0)
  t.deepEqual(await host.leaks(), [])
})

test.serial('network create -d cni with a conflist of minirun-bridge: minirun runs its own plugin', async (t) => {
  const file = path.join(host.dir, 'mrcni.conflist')
  const stateDir = path.join(host.dir, 'plugin-state')
  fs.writeFileSync(file, JSON.stringify({cniVersion: '1.0.0', name: 'mrcni', plugins: [{type: 'minirun-bridge', bridge: 'tstmrb2', subnet: '10.89.43.0/24', stateDir, capabilities: {portMappings: true}}]}))
  const env = {MINIRUN_CNI_PATH: cniPath}
  const mr = async (...args: string[]) => {
    const r = await host.exec([process.execPath, fileURLToPath(new URL('../../../bin/run.js', import.meta.url)), ...args], {env})
    if (r.exitCode !== 0) throw new Error(`minirun ${args.join(' ')}: ${r.stderr}`)
    return r.stdout.trim()
  }
  await mr('network', 'create', '-d', 'cni', '--opt', `config=${file}`, 'mrcni')
  await mr('run', '-d', '--name', 'viaplugin', '--network', 'mrcni', '-p', '18602:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const ip = JSON.parse(await mr('inspect', 'viaplugin'))[0].NetworkSettings.Networks.mrcni.IPAddress
  t.regex(ip, /^10\.89\.43\.\d+$/)
  t.regex((await curl('http://127.0.0.1:18602/')).stdout, /minirun/i)
  await mr('rm', '-f', 'viaplugin')
  await mr('network', 'rm', 'mrcni')
  t.false((await host.sh('ip link show tstmrb2')).exitCode === 0)
  const leases = path.join(stateDir, 'ipam', 'mrcni')
  t.deepEqual(fs.existsSync(leases) ? fs.readdirSync(leases) : [], [], 'the plugin gave the address back')
  t.deepEqual(await host.leaks(), [])
})
