import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {dnsmasqsIn, forwardersOf, sleep, TestHost} from '../helpers/host.js'

// Issue 15: a DNS server per user-defined network (dnsmasq on its gateway), asked with real
// clients (busybox nslookup and ping inside containers), inside a disposable host namespace.
// The host's upstream resolver is another dnsmasq in a peer namespace of the test host, which
// knows one name, example.test; the test host's /etc/resolv.conf (its own mount namespace)
// names it, so "forwarded to the host's upstreams" is checked without leaving the machine.

let host: TestHost
let upstreamPid = 0
const UPSTREAM = '198.51.100.53'
const EXTERNAL = '192.0.2.77'

test.before(async () => {
  host = await TestHost.create('dns')
  const peer = await host.peer({hostIf: 'tstUp', peerIf: 'tstDns', hostAddr: '198.51.100.1/24', peerAddr: `${UPSTREAM}/24`})
  const pidFile = path.join(host.dir, 'upstream.pid')
  const up = await host.sh(
    `nsenter -t ${peer} -n /usr/sbin/dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=${UPSTREAM} --address=/example.test/${EXTERNAL} --address=/ghost.dns.minirun/${EXTERNAL} --pid-file=${pidFile}`,
  )
  if (up.exitCode !== 0) throw new Error(`upstream dnsmasq: ${up.stderr}`)
  upstreamPid = Number(fs.readFileSync(pidFile, 'utf8').trim())
  fs.writeFileSync(path.join(host.dir, 'resolv.conf'), `nameserver 127.0.0.53\nnameserver ${UPSTREAM}\nsearch lan.example\n`)
  const bind = await host.sh(`mount --bind ${path.join(host.dir, 'resolv.conf')} /etc/resolv.conf`)
  if (bind.exitCode !== 0) throw new Error(`resolv.conf: ${bind.stderr}`)
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

/** The answers of `nslookup NAME` run in container `from` (the server's own address line left out). */
async function lookup(from: string, name: string, server?: string): Promise<string[]> {
  const r = await host.mr('exec', from, 'nslookup', name, ...(server ? [server] : []))
  return [...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]).filter((a) => !a.endsWith(':53'))
}
/** The name is answered "not found" (NXDOMAIN, or REFUSED from the test's upstream, which knows one name): a server answered, without it. */
async function notFound(from: string, name: string): Promise<boolean> {
  const r = await host.mr('exec', from, 'nslookup', name)
  return /can't find \S+: (NXDOMAIN|REFUSED)/.test(r.stdout + r.stderr) && !/^Address: /m.test(r.stdout)
}
const names = async (from: string, name: string) => {
  const r = await host.mr('exec', from, 'nslookup', name)
  return [...r.stdout.matchAll(/name = (\S+)/g)].map((m) => m[1])
}
const ipOf = async (name: string, network?: string) => {
  const [c] = JSON.parse(await host.ok('inspect', name))
  return network ? (c.NetworkSettings.Networks[network].IPAddress as string) : (c.NetworkSettings.IPAddress as string)
}
const gatewayOf = async (network: string) => JSON.parse(await host.ok('network', 'inspect', network))[0].IPAM.Config[0].Gateway as string
async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await cond()) return true
    if (Date.now() > end) return false
    await sleep(50)
  }
}
const resolvers = () => dnsmasqsIn(host.pid)

test.serial('nslookup and ping by name; names, short id and hostname; PTR; the resolver lives from the first container to the last', async (t) => {
  await host.ok('network', 'create', 'dnsa')
  t.deepEqual(resolvers(), [], 'nothing resident while no container uses the network')
  await host.ok('run', '-d', '--name', 'web', '--hostname', 'webhost', '--network', 'dnsa', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const [resolver] = resolvers()
  t.truthy(resolver, 'the first container started the resolver')
  t.regex(fs.readFileSync(`/proc/${resolver}/status`, 'utf8'), /^Uid:\s+65534\s/m, 'it answers as nobody')
  await host.ok('run', '-d', '--name', 'client', '--network', 'dnsa', 'busybox', 'sleep', '600')
  t.deepEqual(resolvers(), [resolver], 'one resolver per network')
  const gw = await gatewayOf('dnsa')
  t.is(await host.ok('exec', 'client', 'cat', '/etc/resolv.conf'), `nameserver ${gw}\nsearch dnsa.dns.minirun\noptions ndots:0`)
  const web = await ipOf('web')
  t.deepEqual(await lookup('client', 'web'), [web])
  t.deepEqual(await lookup('client', 'webhost'), [web], '--hostname')
  const id = (await host.ok('inspect', '-f', '{{.Id}}', 'web')).slice(0, 12)
  t.deepEqual(await lookup('client', id), [web], 'short id')
  t.deepEqual(await lookup('client', 'web.dnsa.dns.minirun'), [web], 'the network zone')
  t.is((await host.mr('exec', 'client', 'ping', '-c1', '-W2', 'web')).exitCode, 0, 'ping by name (the libc resolver)')
  t.regex(await host.ok('exec', 'client', 'wget', '-qO-', 'http://web/'), /minirun/i)
  t.deepEqual(await names('client', web), ['web.dnsa.dns.minirun'], 'PTR of its address')
  t.true(await notFound('client', 'nosuch'), 'an unknown name is not found')
  // /etc/hosts: the container's own line only, no rewriting of the others'
  t.notRegex(await host.ok('exec', 'client', 'cat', '/etc/hosts'), /\bweb\b/)
  // the last container out takes the resolver with it, its files too
  await host.ok('rm', '-f', 'web')
  t.deepEqual(resolvers(), [resolver])
  await host.ok('stop', '-t', '0', 'client')
  t.true(await until(async () => resolvers().length === 0, 5000), 'gone when the last container stopped')
  t.false(fs.existsSync(path.join(host.runtime, 'dns', 'dnsa')))
  await host.ok('start', 'client')
  t.is(resolvers().length, 1, 'back with the next start')
  t.deepEqual(await lookup('client', 'client'), [await ipOf('client')])
  await host.ok('rm', '-f', 'client')
  t.true(await until(async () => resolvers().length === 0, 5000))
  await host.ok('network', 'rm', 'dnsa')
  t.deepEqual(await host.leaks(), [])
})

test.serial('--network-alias: one alias on three containers answers with all three addresses; refused on the default bridge', async (t) => {
  await host.ok('network', 'create', 'dnsrr')
  for (const n of [1, 2, 3]) await host.ok('run', '-d', '--name', `rr${n}`, '--network', 'dnsrr', '--network-alias', 'svc', 'busybox', 'sleep', '600')
  const all = [await ipOf('rr1'), await ipOf('rr2'), await ipOf('rr3')]
  t.deepEqual(JSON.parse(await host.ok('inspect', 'rr1'))[0].NetworkSettings.Networks.dnsrr.Aliases, ['rr1', 'svc'])
  t.deepEqual((await lookup('rr1', 'svc')).sort(), [...all].sort())
  const bridge = await host.bridgeOf('dnsrr')
  const mac = async () => JSON.parse((await host.sh(`ip -j link show ${bridge}`)).stdout)[0].address as string
  const before = await mac()
  await host.ok('rm', '-f', 'rr2')
  // the bridge keeps its MAC as ports go (else the others' ARP entry for their resolver goes stale)
  t.is(await mac(), before)
  t.deepEqual((await lookup('rr1', 'svc')).sort(), [all[0], all[2]].sort(), 'a removed member leaves the alias')
  const r = await host.mr('run', '--rm', '--network-alias', 'svc', 'busybox', 'true')
  t.not(r.exitCode, 0)
  t.regex(r.stderr, /^Error: --network-alias needs a user-defined bridge network/)
  await host.ok('rm', '-f', 'rr1', 'rr3')
  await host.ok('network', 'rm', 'dnsrr')
  t.deepEqual(await host.leaks(), [])
})

test.serial('names appear when run -d returns and vanish after rm, network connect and disconnect', async (t) => {
  await host.ok('network', 'create', 'dnsc')
  await host.ok('network', 'create', 'dnsd')
  await host.ok('run', '-d', '--name', 'asker', '--network', 'dnsc', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'comer', '--network', 'dnsc', 'busybox', 'sleep', '600')
  const comer = await ipOf('comer')
  t.true(await until(async () => (await lookup('asker', 'comer')).includes(comer), 5000), 'the name answers')
  await host.ok('rm', '-f', 'comer')
  t.true(await until(() => notFound('asker', 'comer'), 5000), 'and is gone after rm')
  // connect: a container of another network gets a name on this one; disconnect takes it away
  await host.ok('run', '-d', '--name', 'visitor', '--network', 'dnsd', 'busybox', 'sleep', '600')
  await host.ok('network', 'connect', 'dnsc', 'visitor')
  const there = await ipOf('visitor', 'dnsc')
  t.true(await until(async () => (await lookup('asker', 'visitor')).includes(there), 5000))
  t.regex(await host.ok('exec', 'visitor', 'cat', '/etc/resolv.conf'), /^search dnsd\.dns\.minirun dnsc\.dns\.minirun$/m, 'its search list follows')
  await host.ok('network', 'disconnect', 'dnsc', 'visitor')
  t.true(await until(() => notFound('asker', 'visitor'), 5000))
  t.regex(await host.ok('exec', 'visitor', 'cat', '/etc/resolv.conf'), /^search dnsd\.dns\.minirun$/m)
  await host.ok('rm', '-f', 'asker', 'visitor')
  await host.ok('network', 'rm', 'dnsc', 'dnsd')
  t.deepEqual(await host.leaks(), [])
})

test.serial('a container on two networks resolves the names of both; the others ask only their own resolver', async (t) => {
  await host.ok('network', 'create', 'dnsna')
  await host.ok('network', 'create', 'dnsnb')
  await host.ok('run', '-d', '--name', 'only-a', '--network', 'dnsna', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'only-b', '--network', 'dnsnb', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'both', '--network', 'dnsna', 'busybox', 'sleep', '600')
  await host.ok('network', 'connect', 'dnsnb', 'both')
  t.deepEqual(await lookup('both', 'only-a'), [await ipOf('only-a')])
  t.deepEqual(await lookup('both', 'only-b'), [await ipOf('only-b')])
  t.is((await host.mr('exec', 'both', 'ping', '-c1', '-W2', 'only-b')).exitCode, 0)
  // control: only-b's own resolver answers it
  const gwB = await gatewayOf('dnsnb')
  t.deepEqual(await lookup('only-b', 'only-b', gwB), [await ipOf('only-b')])
  // only-a may not ask network dnsnb's resolver (nft drops it), nor finds only-b through its own
  const r = await host.mr('exec', 'only-a', 'nslookup', 'only-b', gwB)
  t.not(r.exitCode, 0)
  t.regex(r.stdout + r.stderr, /timed out|no servers could be reached/)
  t.true(await notFound('only-a', 'only-b'))
  await host.ok('rm', '-f', 'only-a', 'only-b', 'both')
  await host.ok('network', 'rm', 'dnsna', 'dnsnb')
  t.deepEqual(await host.leaks(), [])
})

/** The container's network namespace, as the kernel names it (net:[INODE]). */
const nsOf = async (name: string, ns: 'net' | 'mnt') => fs.readlinkSync(`/proc/${JSON.parse(await host.ok('inspect', name))[0].State.Pid as number}/ns/${ns}`)
const forwarders = () => forwardersOf(host.runtime)
const gone = (pid: number) => until(async () => !fs.existsSync(`/proc/${pid}/exe`), 5000)

test.serial("a container on two networks asks a forwarder of its own on 127.0.0.11 in its namespace; one network keeps the plain resolver", async (t) => {
  t.teardown(async () => {
    await host.mr('rm', '-f', 'fwd-one', 'fwd-bee', 'fwd-multi')
    await host.mr('network', 'rm', 'dnsfa', 'dnsfb')
  })
  await host.ok('network', 'create', 'dnsfa')
  await host.ok('network', 'create', 'dnsfb')
  await host.ok('run', '-d', '--name', 'fwd-one', '--network', 'dnsfa', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'fwd-bee', '--network', 'dnsfb', 'busybox', 'sleep', '600')
  // the cheap path: one network, its resolver on the gateway, no forwarder
  t.is(await host.ok('exec', 'fwd-one', 'cat', '/etc/resolv.conf'), `nameserver ${await gatewayOf('dnsfa')}\nsearch dnsfa.dns.minirun\noptions ndots:0`)
  t.deepEqual(forwarders(), [])
  await host.ok('run', '-d', '--name', 'fwd-multi', '--network', 'dnsfa', 'busybox', 'sleep', '600')
  t.deepEqual(forwarders(), [], 'not before its second network')
  await host.ok('network', 'connect', 'dnsfb', 'fwd-multi')
  const [fwd] = forwarders()
  t.truthy(fwd, 'network connect started it')
  t.is(fs.readlinkSync(`/proc/${fwd}/ns/net`), await nsOf('fwd-multi', 'net'), "it runs in the container's network namespace")
  t.not(fs.readlinkSync(`/proc/${fwd}/ns/mnt`), await nsOf('fwd-multi', 'mnt'), "never in the container's mount namespace")
  t.regex(fs.readFileSync(`/proc/${fwd}/status`, 'utf8'), /^Uid:\s+65534\s/m, 'it answers as nobody')
  t.is(fs.readFileSync(`/proc/${fwd}/environ`, 'utf8'), 'LC_ALL=C\0', 'a fixed environment, nothing of the caller\'s')
  t.is(await host.ok('exec', 'fwd-multi', 'cat', '/etc/resolv.conf'), 'nameserver 127.0.0.11\nsearch dnsfa.dns.minirun dnsfb.dns.minirun\noptions ndots:0')
  // it listens on 127.0.0.11 only (udp and tcp, one high port), nothing on the container's
  // addresses, and port 53 is left to the container: 127.0.0.11:53 is redirected to it (as Docker)
  const listening = (await host.sh(`nsenter --net=${JSON.parse(await host.ok('inspect', 'fwd-multi'))[0].NetworkSettings.SandboxKey} ss -Hlntup`)).stdout
  const bound = [...listening.matchAll(/(\S+):(\d+)\s.*dnsmasq/g)].map((m) => `${m[1]}:${m[2]}`)
  t.is(bound.length, 2, listening)
  t.true(bound.every((b) => b === bound[0] && b.startsWith('127.0.0.11:') && b !== '127.0.0.11:53'), bound.join(' '))
  await host.ok('exec', '-d', 'fwd-multi', 'nc', '-l', '-p', '53')
  const own53 = async () => /(\*|0\.0\.0\.0|\[::\]):53\s/.test((await host.sh(`nsenter --net=${JSON.parse(await host.ok('inspect', 'fwd-multi'))[0].NetworkSettings.SandboxKey} ss -Hltn`)).stdout)
  t.true(await until(own53, 5000), 'the container listens on port 53 (all addresses) itself')
  // names of both networks, short and in their zones, PTR of both, external names, unknown zones stay unknown
  t.deepEqual(await lookup('fwd-multi', 'fwd-one'), [await ipOf('fwd-one')])
  t.deepEqual(await lookup('fwd-multi', 'fwd-bee'), [await ipOf('fwd-bee')])
  t.deepEqual(await lookup('fwd-multi', 'fwd-bee.dnsfb.dns.minirun'), [await ipOf('fwd-bee')])
  t.deepEqual(await names('fwd-multi', await ipOf('fwd-bee')), ['fwd-bee.dnsfb.dns.minirun'], "PTR of B's address, from B's resolver")
  t.deepEqual(await names('fwd-multi', await ipOf('fwd-one')), ['fwd-one.dnsfa.dns.minirun'])
  t.deepEqual(await lookup('fwd-multi', 'example.test'), [EXTERNAL], "forwarded through the first network's resolver to the upstream")
  t.true(await notFound('fwd-multi', 'ghost.dns.minirun'), 'a zone of no network of its own is not asked upstream (which would answer it)')
  t.is((await host.mr('exec', 'fwd-multi', 'ping', '-c1', '-W2', 'fwd-bee')).exitCode, 0, 'ping by name (the libc resolver)')
  // the others still ask only their own resolver, which knows only its own network
  t.true(await notFound('fwd-one', 'fwd-bee.dnsfb.dns.minirun'))
  // stop and start: it goes with the namespace and comes back before the command starts
  await host.ok('stop', '-t', '0', 'fwd-multi')
  t.true(await gone(fwd), 'stopped with the container')
  t.deepEqual(forwarders(), [])
  t.false(fs.existsSync(path.join(host.runtime, 'dns-forwarders')) && fs.readdirSync(path.join(host.runtime, 'dns-forwarders')).length > 0, 'its files too')
  await host.ok('start', 'fwd-multi')
  const [again] = forwarders()
  t.truthy(again, 'start brought it back')
  t.deepEqual(await lookup('fwd-multi', 'fwd-bee'), [await ipOf('fwd-bee')])
  // down to one network: it goes, and resolv.conf names the resolver again; back up: it returns
  await host.ok('network', 'disconnect', 'dnsfb', 'fwd-multi')
  t.true(await gone(again))
  t.is(await host.ok('exec', 'fwd-multi', 'cat', '/etc/resolv.conf'), `nameserver ${await gatewayOf('dnsfa')}\nsearch dnsfa.dns.minirun\noptions ndots:0`)
  t.deepEqual(await lookup('fwd-multi', 'fwd-one'), [await ipOf('fwd-one')])
  const connect = await host.mr('network', 'connect', '--explain', 'dnsfb', 'fwd-multi')
  t.is(connect.exitCode, 0, connect.stderr)
  const explained = connect.stdout + connect.stderr
  t.regex(explained, /^env -i LC_ALL=C nsenter --net=\S+ -- \/usr\/sbin\/dnsmasq (\\\n\s+)?--conf-file=\S+\/dns-forwarders\/[0-9a-f]{64}\/dnsmasq\.conf$/m, '--explain: the command that starts it')
  t.regex(explained, /^listen-address=127\.0\.0\.11$/m, '--explain: its configuration')
  t.regex(explained, /^server=\/dnsfb\.dns\.minirun\/\S+$/m, '--explain: its servers file')
  const [third] = forwarders()
  t.truthy(third)
  t.deepEqual(await lookup('fwd-multi', 'fwd-bee'), [await ipOf('fwd-bee')])
  // rm: the forwarder and the namespace file are gone
  const sandbox = JSON.parse(await host.ok('inspect', 'fwd-multi'))[0].NetworkSettings.SandboxKey as string
  await host.ok('rm', '-f', 'fwd-multi')
  t.true(await gone(third), 'removed with the container')
  t.false(fs.existsSync(sandbox), 'the netns file is gone')
  t.deepEqual(forwarders(), [])
  await host.ok('rm', '-f', 'fwd-one', 'fwd-bee')
  await host.ok('network', 'rm', 'dnsfa', 'dnsfb')
  t.deepEqual(await host.leaks(), [])
})

test.serial('system prune ends the forwarders of containers gone in a crash (record lost, record unreadable), before their namespaces go', async (t) => {
  t.teardown(async () => {
    await host.mr('rm', '-f', 'fwd-lost', 'fwd-bad')
    await host.mr('network', 'rm', 'dnsfc', 'dnsfd')
  })
  await host.ok('network', 'create', 'dnsfc')
  await host.ok('network', 'create', 'dnsfd')
  const sandboxes: string[] = []
  const ids: string[] = []
  for (const name of ['fwd-lost', 'fwd-bad']) {
    await host.ok('run', '-d', '--name', name, '--network', 'dnsfc', 'busybox', 'sleep', '600')
    await host.ok('network', 'connect', 'dnsfd', name)
    const [c] = JSON.parse(await host.ok('inspect', name))
    sandboxes.push(c.NetworkSettings.SandboxKey as string)
    ids.push(c.Id as string)
  }
  const before = forwarders()
  t.is(before.length, 2)
  t.is(host.crashContainers(), 2)
  // one record is gone (a crash between its removal and the cleanup), one cannot be read
  fs.rmSync(path.join(host.root, 'containers', ids[0], 'container.json'))
  fs.writeFileSync(path.join(host.root, 'containers', ids[1], 'container.json'), '{"not a record')
  t.deepEqual(forwarders().sort(), before.sort(), 'the forwarders outlived the crash')
  const prune = await host.mr('system', 'prune', '-f')
  t.is(prune.exitCode, 0, prune.stderr)
  t.regex(prune.stdout, new RegExp(`dns forwarder ${ids[0].slice(0, 12)}`), 'found by its directory alone')
  for (const pid of before) t.true(await gone(pid), `system prune ended ${pid}`)
  for (const file of sandboxes) t.false(fs.existsSync(file), 'the netns file is gone')
  t.deepEqual(forwarders(), [])
  await host.mr('network', 'rm', 'dnsfc', 'dnsfd') // prune took them if no container used them
  fs.rmSync(path.join(host.root, 'corrupt'), {recursive: true, force: true})
  t.deepEqual(await host.leaks(), [])
})

test.serial("external names go to the host's upstream; the default bridge keeps the host's resolvers and has no names", async (t) => {
  await host.ok('network', 'create', 'dnsx')
  await host.ok('run', '-d', '--name', 'named', '--network', 'dnsx', 'busybox', 'sleep', '600')
  t.deepEqual(await lookup('named', 'example.test'), [EXTERNAL], 'forwarded to the upstream')
  await host.ok('run', '-d', '--name', 'plain', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'plain2', 'busybox', 'sleep', '600')
  t.is(await host.ok('exec', 'plain', 'cat', '/etc/resolv.conf'), `nameserver ${UPSTREAM}\nsearch lan.example`, "the host's, loopback servers left out")
  t.deepEqual(await lookup('plain', 'example.test'), [EXTERNAL])
  // a name under dns.minirun that is no network's zone stays with the network's resolver: the
  // upstream does answer it (the default bridge asks it directly), the network's resolver does not ask
  t.deepEqual(await lookup('plain', 'ghost.dns.minirun'), [EXTERNAL])
  t.true(await notFound('named', 'ghost.dns.minirun'))
  t.true(await notFound('plain', 'plain2'), 'no names on the default bridge, as in Docker')
  t.true(await notFound('plain', 'named'))
  t.is(resolvers().length, 1, 'no resolver for the default bridge')
  await host.ok('rm', '-f', 'named', 'plain', 'plain2')
  await host.ok('network', 'rm', 'dnsx')
  t.deepEqual(await host.leaks(), [])
})

test.serial('pods: the pod name and its members resolve to the pod address; --dns flags and --add-host', async (t) => {
  await host.ok('network', 'create', 'dnsp')
  await host.ok('pod', 'create', '--name', 'dpod', '--network', 'dnsp', '--add-host', 'db.local:10.1.2.3', '--dns-option', 'edns0')
  await host.ok('run', '-d', '--pod', 'dpod', '--name', 'dmember', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'dasker', '--network', 'dnsp', 'busybox', 'sleep', '600')
  const podIp = await ipOf('dpod-infra')
  t.deepEqual(await lookup('dasker', 'dpod'), [podIp])
  t.deepEqual(await lookup('dasker', 'dmember'), [podIp])
  t.regex(await host.ok('exec', 'dmember', 'cat', '/etc/hosts'), /^10\.1\.2\.3\tdb\.local$/m, "the pod's --add-host")
  t.regex(await host.ok('exec', 'dmember', 'cat', '/etc/resolv.conf'), /^options ndots:0 edns0$/m, "the pod's --dns-option")
  const infra = JSON.parse(await host.ok('inspect', 'dpod-infra'))[0].HostConfig
  t.deepEqual([infra.DnsOptions, infra.ExtraHosts], [['edns0'], ['db.local:10.1.2.3']], 'inspect shows them as Docker does')
  const own = await host.ok('run', '--rm', '--network', 'dnsp', '--dns', '192.0.2.9', '--dns-search', 'corp.example', '--dns-option', 'ndots:2', 'busybox', 'cat', '/etc/resolv.conf')
  t.is(own, 'nameserver 192.0.2.9\nsearch dnsp.dns.minirun corp.example\noptions ndots:2')
  const bad = await host.mr('run', '--rm', '--network', 'dnsp', '--dns', '1.2.3.4 evil', 'busybox', 'true')
  t.regex(bad.stderr, /^Error: invalid --dns "1\.2\.3\.4 evil"/)
  await host.ok('pod', 'rm', '-f', 'dpod')
  t.true(await until(() => notFound('dasker', 'dmember'), 5000))
  await host.ok('rm', '-f', 'dasker')
  await host.ok('network', 'rm', 'dnsp')
  t.deepEqual(await host.leaks(), [])
})

test.serial('20 parallel runs on one network all resolve each other', async (t) => {
  await host.ok('network', 'create', 'dns20')
  const all = Array.from({length: 20}, (_, i) => `p${i}`)
  const runs = await Promise.all(all.map((n) => host.mr('run', '-d', '--name', n, '--network', 'dns20', 'busybox', 'sleep', '600')))
  t.deepEqual(runs.filter((r) => r.exitCode !== 0).map((r) => r.stderr), [])
  t.is(resolvers().length, 1, 'one resolver, however many ran at once')
  const script = `for n in ${all.join(' ')}; do nslookup $n >/dev/null 2>&1 || echo "miss $n"; done`
  for (let i = 0; i < all.length; i += 5) {
    const misses = await Promise.all(all.slice(i, i + 5).map((n) => host.ok('exec', n, 'sh', '-c', script)))
    t.deepEqual(misses.filter(Boolean), [], `from ${all.slice(i, i + 5).join(' ')}`)
  }
  await host.ok('rm', '-f', ...all)
  t.true(await until(async () => resolvers().length === 0, 5000))
  await host.ok('network', 'rm', 'dns20')
  t.deepEqual(await host.leaks(), [])
})

test.serial('system prune ends a stale resolver (its network gone in a crash), and only ours', async (t) => {
  await host.ok('network', 'create', 'dnsst')
  await host.ok('run', '-d', '--name', 'stale', '--network', 'dnsst', 'busybox', 'sleep', '600')
  t.is(resolvers().length, 1)
  // a crash: the container dies without cleanup, and the network's record and leases are lost
  host.crashContainers()
  fs.rmSync(path.join(host.root, 'networks', 'dnsst.json'))
  fs.rmSync(path.join(host.root, 'ipam', 'dnsst'), {recursive: true, force: true})
  t.is(resolvers().length, 1, 'the resolver outlived them')
  // a dnsmasq that is not ours behind a pid file of ours: prune must leave it alone
  const dir = path.join(host.runtime, 'dns', 'notours')
  fs.mkdirSync(dir, {recursive: true})
  fs.writeFileSync(path.join(dir, 'dnsmasq.pid'), `${upstreamPid}\n`)
  fs.writeFileSync(path.join(dir, 'resolver.json'), JSON.stringify({pid: upstreamPid, pidStart: 0, gateway: '10.0.0.1'}))
  const prune = await host.mr('system', 'prune', '-f')
  t.is(prune.exitCode, 0, prune.stderr)
  t.regex(prune.stdout, /resolver dnsst/)
  t.notRegex(prune.stdout, /resolver notours/)
  t.deepEqual(resolvers(), [])
  t.true(fs.existsSync(`/proc/${upstreamPid}/exe`), 'the upstream dnsmasq (not ours) still runs')
  t.false(fs.existsSync(dir), 'the stale files are gone')
  t.deepEqual(await host.leaks(), [])
})

test.serial("a resolver whose state file is lost is still found (by dnsmasq's pid file, checked in /proc) and replaced or stopped", async (t) => {
  await host.ok('network', 'create', 'dnslost')
  await host.ok('run', '-d', '--name', 'lost1', '--network', 'dnslost', 'busybox', 'sleep', '600')
  const [first] = resolvers()
  const state = path.join(host.runtime, 'dns', 'dnslost', 'resolver.json')
  fs.rmSync(state)
  // the next container finds none recorded: the one the pid file names goes, a new one answers
  await host.ok('run', '-d', '--name', 'lost2', '--network', 'dnslost', 'busybox', 'sleep', '600')
  const [second] = resolvers()
  t.truthy(second)
  t.not(second, first)
  t.deepEqual(await lookup('lost2', 'lost2'), [await ipOf('lost2')])
  fs.rmSync(state)
  await host.ok('rm', '-f', 'lost1', 'lost2')
  t.true(await until(async () => resolvers().length === 0, 5000), 'the last one out stops it all the same')
  await host.ok('network', 'rm', 'dnslost')
  t.deepEqual(await host.leaks(), [])
})
