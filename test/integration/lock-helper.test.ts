import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {TestHost} from '../helpers/host.js'

// The lock helper (rootfs/tools/lockhold.c) makes a run's mount-table and endpoint changes and
// answers the bridge probes. Each caller falls back to the spawned tool when the helper fails,
// so nothing else would notice a broken request: here each one is asked directly, inside the
// test's own host namespaces, and checked against the kernel (mounts, ip, nft), with a failing
// request as the control that a failure is reported, not passed off as done.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('lockhelper')
})
test.after.always(async () => {
  await host?.close()
})

const FLOCK = new URL('../../src/kernel/flock.js', import.meta.url).href

test('overlay, umount, netns, veth, unplug, ifup, link and nftable, asked of the helper, are what the kernel then shows', async (t) => {
  const d = fs.mkdtempSync(path.join(host.dir, 'lh-'))
  for (const sub of ['lower', 'upper', 'work', 'merged']) fs.mkdirSync(path.join(d, sub))
  fs.writeFileSync(path.join(d, 'lower', 'hello'), 'from below\n')
  const nsfile = path.join(d, 'ns')
  fs.writeFileSync(nsfile, '')
  const script = `
    import {execFileSync} from 'node:child_process'
    import fs from 'node:fs'
    const {holdFlock, helperOp, helperProbe} = await import(${JSON.stringify(FLOCK)})
    const d = ${JSON.stringify(d)}, ns = ${JSON.stringify(nsfile)}
    const sh = (cmd) => execFileSync('sh', ['-c', cmd], {encoding: 'utf8'})
    const out = {}
    const lock = await holdFlock(d + '/lock', 5, 'test')
    out.overlay = await helperOp('overlay', d + '/lower', d + '/upper', d + '/work', d + '/merged')
    out.read = fs.readFileSync(d + '/merged/hello', 'utf8')
    out.badOverlay = await helperOp('overlay', d + '/nosuch', d + '/upper', d + '/work', d + '/merged')
    out.umount = await helperOp('umount', d + '/merged')
    out.mountedAfter = fs.readFileSync('/proc/self/mounts', 'utf8').includes(d + '/merged')
    out.netns = await helperOp('netns', ns)
    out.lo = sh('nsenter --net=' + ns + ' ip -o link show lo')
    sh('ip link add tlhbr type bridge')
    out.veth = await helperOp('veth', 'tlv0', 'eth1', '02:42:0a:4d:00:03', ns, 'tlhbr', '1450', 'minirun:test')
    out.hostEnd = JSON.parse(sh('ip -d -j link show tlv0'))[0]
    out.peer = JSON.parse(sh('nsenter --net=' + ns + ' ip -j link show eth1'))[0]
    out.dupPeer = await helperOp('veth', 'tlv2', 'eth1', '02:42:0a:4d:00:04', ns, 'tlhbr', '-', 'minirun:test')
    out.notBridge = await helperOp('veth', 'tlv3', 'eth3', '02:42:0a:4d:00:05', ns, 'lo', '-', 'minirun:test')
    out.noMaster = await helperOp('veth', 'tlv4', 'eth4', '02:42:0a:4d:00:06', ns, 'tlhnope', '-', 'minirun:test')
    out.hostLinks = sh('ip -o link show').match(/tlv[0-9]/g)
    out.unplugOthers = await helperOp('unplug', 'tlv0', 'minirun:other')
    out.stillPlugged = JSON.parse(sh('ip -j link show tlv0'))[0]
    out.unplug = await helperOp('unplug', 'tlv0', 'minirun:test')
    out.unplugged = JSON.parse(sh('ip -j link show tlv0'))[0]
    out.unplugNone = await helperOp('unplug', 'tlvnope', 'minirun:test')
    out.nsLinks = sh('nsenter --net=' + ns + ' ip -o link show').match(/eth[0-9]/g)
    sh('ip link del tlv0; ip link del tlhbr')
    sh('ip link add tlh0 type veth peer name eth0 netns ' + ns)
    out.ifup = await helperOp('ifup', ns, 'eth0', '10.77.0.2', '24', '10.77.0.1')
    out.addr = sh('nsenter --net=' + ns + ' ip -o -4 addr show dev eth0')
    out.route = sh('nsenter --net=' + ns + ' ip route show default')
    sh('ip link set tlh0 up')
    out.link = await helperProbe('link', 'tlh0')
    out.ifindex = JSON.parse(sh('ip -j link show tlh0'))[0].ifindex
    out.noLink = await helperProbe('link', 'tlhnope')
    sh('nft add table ip tlh; nft add chain ip tlh c; nft add rule ip tlh c counter; nft add rule ip tlh c counter')
    out.table = await helperProbe('nftable', 'tlh')
    out.handle = JSON.parse(sh('nft -j list table ip tlh')).nftables.find((o) => o.table).table.handle
    out.noTable = await helperProbe('nftable', 'tlhnope')
    sh('ip link del tlh0; nft delete table ip tlh')
    out.umountNs = await helperOp('umount', ns)
    out.nsMountedAfter = fs.readFileSync('/proc/self/mounts', 'utf8').includes(ns)
    lock.release()
    console.log(JSON.stringify(out))
  `
  const r = await host.exec([process.execPath, '--input-type=module', '-e', script])
  t.is(r.exitCode, 0, r.stderr)
  const o = JSON.parse(r.stdout)
  t.is(o.overlay, '', 'overlay mounted')
  t.is(o.read, 'from below\n', 'the lower layer shows through')
  t.regex(o.badOverlay, /^mount overlay: /, 'control: a mount that cannot be made is reported')
  t.is(o.umount, '')
  t.false(o.mountedAfter, 'umount took it away')
  t.is(o.netns, '')
  t.regex(o.lo, /<LOOPBACK,UP,LOWER_UP>/, 'loopback up inside the new namespace')
  t.is(o.veth, '', 'a veth pair made')
  t.like(o.hostEnd, {master: 'tlhbr', ifalias: 'minirun:test', mtu: 1450, linkinfo: {info_kind: 'veth', info_slave_kind: 'bridge', info_slave_data: {hairpin: true}}})
  t.true(o.hostEnd.flags.includes('UP'), 'the host end up')
  t.like(o.peer, {address: '02:42:0a:4d:00:03', mtu: 1450}, 'its peer in the namespace, with the MAC asked for')
  t.regex(o.dupPeer, /^add: File exists/, "control: the peer's name taken in the namespace")
  t.regex(o.notBridge, /^alias and master: /, 'control: a master that is no bridge')
  t.regex(o.noMaster, /^tlhnope: No such device/, 'control: no such bridge')
  t.deepEqual(o.hostLinks, ['tlv0'], 'all or nothing: the pair that could not be plugged in was deleted again')
  t.deepEqual(o.nsLinks, ['eth1'])
  t.regex(o.unplugOthers, /not marked as this root's/, "control: a link without this root's mark is left alone")
  t.like(o.stillPlugged, {master: 'tlhbr'})
  t.true(o.stillPlugged.flags.includes('UP'))
  t.is(o.unplug, '', 'unplug: off the bridge and down')
  t.is(o.unplugged.master, undefined)
  t.false(o.unplugged.flags.includes('UP'))
  t.regex(o.unplugNone, /^tlvnope: No such device/, 'control: no such link')
  t.is(o.ifup, '')
  t.regex(o.addr, /inet 10\.77\.0\.2\/24 brd 10\.77\.0\.255 scope global eth0/)
  t.regex(o.route, /^default via 10\.77\.0\.1 dev eth0/)
  t.is(o.link, `${o.ifindex} 1 -/0`, 'the host end: its ifindex, up, no address')
  t.is(o.noLink, undefined, 'control: no such link')
  t.is(o.table, `${o.handle} 2`, "the table's handle and its two rules")
  t.is(o.noTable, undefined, 'control: no such table')
  t.is(o.umountNs, '')
  t.false(o.nsMountedAfter)
  t.deepEqual(await host.leaks(), [])
})
