import test, {type ExecutionContext} from 'ava'
import {execa} from 'execa'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parsePortCounts} from '../../src/diagram/live.js'
import {findOverlap, parseCidr, parseRoutesForOverlap} from '../../src/networks/ipam/cidr.js'
import {
  addPortsScript, baseTableScript, deleteNetworkRulesScript, deletePortsScript, deleteTableScript, networkRulesScript, parseTable, tableName,
  type PortEntry,
} from '../../src/networks/firewall/nft-script.js'

// The generated scripts applied for real with `nft -f -`, inside throwaway network namespaces
// made by this test (`unshare -n sleep`): a "host" with a bridge and minirun's table, and a
// "container" on a veth running busybox httpd. Nothing touches the machine's own network.

interface Ns {
  pid: number
}

// `npx ava` puts node_modules/.bin first in PATH, and @vercel/nft (an oclif dependency) installs
// a `nft` there that would shadow nftables' nft: keep the system's tools only.
const PATH = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
  .split(':')
  .filter((p) => !p.includes('node_modules'))
  .join(':')

async function sh(ns: Ns, argv: string[], input?: string) {
  const res = await execa('nsenter', ['-t', String(ns.pid), '-n', '--', ...argv], {input, reject: false, timeout: 20_000, env: {PATH}})
  return {stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? -1}
}

async function must(ns: Ns, argv: string[], input?: string): Promise<string> {
  const r = await sh(ns, argv, input)
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${r.exitCode}: ${r.stderr}`)
  return r.stdout
}

/** A network namespace held by `sleep`; killed by PID when the test ends. */
async function throwawayNetns(t: ExecutionContext): Promise<Ns> {
  const holder = execa('unshare', ['--net', 'sleep', '300'], {stdio: 'ignore', reject: false})
  const pid = holder.pid!
  t.teardown(async () => {
    holder.kill('SIGKILL')
    await holder
  })
  const mine = fs.readlinkSync('/proc/self/ns/net')
  for (let i = 0; i < 300; i++) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/net`) !== mine) return {pid}
    } catch {}
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('the throwaway network namespace did not appear')
}

const HI = 'hi from the container'
// Owners are full 64-hex container ids: they must fit in an element comment.
const ID1 = 'c0ffee01'.repeat(8)
const ID2 = 'c0ffee02'.repeat(8)
const TAG = 'it01'
const T = tableName(TAG)
const MARK = 'minirun:/tmp/nft-script-it'
const NET = {name: 'itnet', subnet: '10.77.0.0/24', bridge: 'mrit0'}
const entry = (hostIp: string, hostPort: number, owner: string): PortEntry => ({
  mapping: {hostIp, hostPort, containerPort: 80, protocol: 'tcp'},
  containerIp: '10.77.0.2',
  owner,
})

async function listTable(host: Ns) {
  const r = await sh(host, ['nft', '-j', 'list', 'table', 'ip', T])
  if (r.exitCode !== 0 || !r.stdout) throw new Error(`nft -j list table ip ${T} exited ${r.exitCode} with ${r.stdout.length} bytes: ${r.stderr}`)
  return parseTable(r.stdout)
}
const curl = (ns: Ns, url: string) => sh(ns, ['curl', '-s', '--noproxy', '*', '--max-time', '2', url])

test('scripts apply, parse back, and DNAT through the maps end to end', async (t) => {
  const host = await throwawayNetns(t)
  const ctr = await throwawayNetns(t)

  // The "container": eth0 on a veth whose host end is on the bridge, and a web server.
  await must(host, ['ip', 'link', 'set', 'lo', 'up'])
  await must(host, ['ip', 'link', 'add', NET.bridge, 'type', 'bridge'])
  await must(host, ['ip', 'addr', 'add', '10.77.0.1/24', 'dev', NET.bridge])
  await must(host, ['ip', 'link', 'set', NET.bridge, 'up'])
  await must(host, ['ip', 'link', 'add', 'mritv0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(ctr.pid)])
  await must(host, ['ip', 'link', 'set', 'mritv0', 'master', NET.bridge])
  await must(host, ['ip', 'link', 'set', 'mritv0', 'type', 'bridge_slave', 'hairpin', 'on'])
  await must(host, ['ip', 'link', 'set', 'mritv0', 'up'])
  // Per-namespace sysctls, set inside the throwaway "host" only; route_localnet on the bridge
  // alone, as the bridge driver does it.
  await must(host, ['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
  await must(host, ['sysctl', '-qw', `net.ipv4.conf.${NET.bridge}.route_localnet=1`])
  await must(ctr, ['ip', 'link', 'set', 'lo', 'up'])
  await must(ctr, ['ip', 'addr', 'add', '10.77.0.2/24', 'dev', 'eth0'])
  await must(ctr, ['ip', 'link', 'set', 'eth0', 'up'])
  await must(ctr, ['ip', 'route', 'add', 'default', 'via', '10.77.0.1'])
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-nft-it-'))
  t.teardown(() => fs.rmSync(www, {recursive: true, force: true}))
  fs.writeFileSync(path.join(www, 'index.html'), HI + '\n')
  const httpd = execa('nsenter', ['-t', String(ctr.pid), '-n', '--', 'busybox', 'httpd', '-f', '-p', '80', '-h', www], {reject: false, stdio: 'ignore'})
  t.teardown(async () => {
    httpd.kill('SIGKILL')
    await httpd
  })
  for (let i = 0; i < 100 && (await curl(ctr, 'http://10.77.0.2/')).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 20))
  t.is((await curl(host, 'http://10.77.0.2/')).stdout, HI, 'the container answers directly')

  // The real route table in the shape parseRoutesForOverlap reads.
  const routes = parseRoutesForOverlap(JSON.parse(await must(host, ['ip', '-j', '-4', 'route', 'show', 'table', 'all'])))
  t.deepEqual(routes.map((r) => r.text), ['10.77.0.0/24'], 'local/broadcast entries are not routes to avoid')
  t.is(findOverlap(parseCidr('10.77.0.128/25'), routes)?.text, '10.77.0.0/24')
  t.deepEqual(parseRoutesForOverlap(JSON.parse(await must(host, ['ip', '-j', '-4', 'route', 'show', 'table', 'all'])), new Set([NET.bridge])), [])

  // minirun's table, twice: the base script is idempotent.
  await must(host, ['nft', '-f', '-'], baseTableScript(TAG, MARK))
  await must(host, ['nft', '-f', '-'], networkRulesScript(TAG, NET))
  await must(host, ['nft', '-f', '-'], addPortsScript(TAG, [entry('0.0.0.0', 18080, ID1), entry('127.0.0.1', 18081, ID2)]))
  await must(host, ['nft', '-f', '-'], baseTableScript(TAG, MARK))
  let table = await listTable(host)
  t.deepEqual(table.chains.sort(), ['count_in', 'count_out', 'forward', 'input', 'isolate', 'output', 'owner', 'postrouting', 'prerouting'])
  t.is(table.owner, MARK, 'the owner rule, once')
  t.deepEqual(table.maps.sort(), ['pub_addr_tcp', 'pub_addr_udp', 'pub_tcp', 'pub_udp'])
  t.is(table.rules.filter((r) => r.chain === 'prerouting').length, 4, 'DNAT rules not duplicated by a second apply')
  t.is(table.rules.filter((r) => r.chain === 'output').length, 4)
  t.deepEqual(
    table.elements.map(({map, key, value, owner}) => ({map, key, value, owner})),
    [
      {map: 'pub_tcp', key: '18080', value: '10.77.0.2 . 80', owner: ID1},
      {map: 'pub_addr_tcp', key: '127.0.0.1 . 18081', value: '10.77.0.2 . 80', owner: ID2},
    ],
    'elements survive the second base apply, with their owners',
  )
  t.deepEqual(table.elements[1].entry, entry('127.0.0.1', 18081, ID2))

  // DNAT: loopback and the host's bridge address, any-address map and specific-address map.
  t.is((await curl(host, 'http://127.0.0.1:18080/')).stdout, HI, '127.0.0.1 → pub_tcp (addr map misses, falls through)')
  t.is((await curl(host, 'http://10.77.0.1:18080/')).stdout, HI, 'host address → pub_tcp')
  t.is((await curl(host, 'http://127.0.0.1:18081/')).stdout, HI, '127.0.0.1:18081 → pub_addr_tcp')
  t.not((await curl(host, 'http://10.77.0.1:18081/')).exitCode, 0, '18081 is bound to 127.0.0.1 only')
  // Hairpin: the container reaches its own published port through the host address.
  t.is((await curl(ctr, 'http://10.77.0.1:18080/')).stdout, HI, 'hairpin')
  // Every packet of those connections, both ways, counted per host port (the live diagram's counters).
  const counts = parsePortCounts(await must(host, ['nft', '-j', 'list', 'set', 'ip', T, 'pub_count_tcp']), 'tcp')
  t.true((counts['18080/tcp']?.packets ?? 0) >= 3 * 6, JSON.stringify(counts))
  t.true((counts['18081/tcp']?.packets ?? 0) >= 6, JSON.stringify(counts))

  // Network rules: re-applying with the existing ones replaces them (same count); deleting by handle removes them.
  const mine = () => table.rules.filter((r) => r.comment === 'net:itnet')
  t.is(mine().length, 6)
  await must(host, ['nft', '-f', '-'], networkRulesScript(TAG, NET, table.rules))
  table = await listTable(host)
  t.is(mine().length, 6, 'network rules replaced, not duplicated')
  await must(host, ['nft', '-f', '-'], deleteNetworkRulesScript(TAG, NET.name, table.rules))
  table = await listTable(host)
  t.is(mine().length, 0)
  t.is(table.rules.filter((r) => !r.chain.startsWith('count_')).length, 8, 'only the DNAT rules (and the per-port counting) are left')
  t.not((await curl(host, 'http://127.0.0.1:18080/')).exitCode, 0, 'without the loopback masquerade, 127.0.0.1 gets no answer')
  await must(host, ['nft', '-f', '-'], networkRulesScript(TAG, NET, table.rules))

  // Unpublish one port: only its element goes, and the port stops answering.
  await must(host, ['nft', '-f', '-'], deletePortsScript(TAG, [table.elements[0].entry!]))
  table = await listTable(host)
  t.deepEqual(table.elements.map((e) => e.key), ['127.0.0.1 . 18081'])
  t.not((await curl(host, 'http://127.0.0.1:18080/')).exitCode, 0)
  t.is((await curl(host, 'http://127.0.0.1:18081/')).stdout, HI)

  // The table goes, and deleting it again is fine.
  await must(host, ['nft', '-f', '-'], deleteTableScript(TAG))
  await must(host, ['nft', '-f', '-'], deleteTableScript(TAG))
  t.false((await must(host, ['nft', 'list', 'tables'])).includes(T))
  t.not((await curl(host, 'http://127.0.0.1:18081/')).exitCode, 0)
})
