import {UserError} from '../../errors.js'
import fs from 'node:fs'
import {addOwnedLinkBatch, addOwnedVeth, adoptIfMade, deleteMadeLink, deleteOwnedLink, endpointUp, hostRoutes, ipBatch, linkExists, links, linkState, ownsLink, setSysctl} from '../../kernel/ip.js'
import {applyNft, readTable} from '../firewall/nft.js'
import type {Rollback} from '../../kernel/rollback.js'
import {already, comment, note, phase, run} from '../../kernel/runner.js'
import {helperOp, helperProbe} from '../../kernel/flock.js'
import {readJson, writeJsonAtomic} from '../../state/files.js'
import {instanceTag, ownerMark, paths} from '../../state/paths.js'
import {DEFAULT_POOL, findOverlap, firstHost, parseCidr, parseRoutesForOverlap, pickFreeSubnet, type Cidr} from '../ipam/cidr.js'
import {checkRequest, type Endpoint, type NetworkAttachment, type NetworkDriver} from '../driver.js'
import {allocate, leases, release} from '../ipam/leases.js'
import {macFromIp} from '../ipam/mac.js'
import {baseTableScript, deleteNetworkRulesScript, deleteTableScript, networkComment, networkRulesScript, tableName} from '../firewall/nft-script.js'
import {publishPorts, unpublishPorts} from '../firewall/publish.js'
import {hasResolver} from '../dns/config.js'
import {bridgeRefusal} from '../owner.js'
import {listNetworks, networkId, readNetwork, writeNetwork, type NetworkRecord} from '../records.js'

// The bridge driver: a Linux bridge with the gateway address, one veth pair per container
// (host end on the bridge, the other end moved into the container as eth0), MASQUERADE for
// traffic leaving the subnet, and -p published by DNAT from one nft map.
// As in Docker, a user network's bridge and rules are made at `network create` and stay until
// `network rm` (or `system prune` finds them unused; the next container remakes them). The
// default bridge stays too, as docker0 does: making and removing it cost more than the rest of a run.

export function defaultBridgeName(): string {
  const tag = instanceTag()
  return tag ? `mr${tag}0` : 'minirun0'
}

/** veth host end: "mr" + 11 hex of the container id + the interface index (eth0 → 0; none for another name, whose id is per interface: the CNI plugin). */
export function vethName(containerId: string, ifname: string): string {
  return `mr${containerId.slice(0, 11)}${/^eth(\d{1,2})$/.exec(ifname)?.[1] ?? ''}`
}

/** Subnets already taken: other minirun networks and every route the host has. */
export async function takenSubnets(exceptNetwork?: string): Promise<Cidr[]> {
  const nets = (await listNetworks()).filter((n) => n.subnet && n.name !== exceptNetwork).map((n) => parseCidr(n.subnet!))
  const routes = parseRoutesForOverlap(await hostRoutes(), new Set((await listNetworks()).map((n) => n.bridge).filter((b): b is string => !!b)))
  return [...nets, ...routes]
}

/** `alsoVia`: a macvlan parent, whose own LAN route is expected to cover the subnet. */
export async function checkSubnetFree(subnet: Cidr, network: string, alsoVia?: string): Promise<void> {
  const nets = (await listNetworks()).filter((n) => n.subnet && n.name !== network)
  for (const n of nets) {
    if (findOverlap(subnet, [parseCidr(n.subnet!)])) {
      throw new UserError(`subnet ${subnet.text} overlaps network ${n.name} (${n.subnet}); choose another --subnet`)
    }
  }
  const own = new Set(nets.map((n) => n.bridge).filter((b): b is string => !!b))
  if (alsoVia) own.add(alsoVia.split('.')[0]).add(alsoVia)
  const clash = findOverlap(subnet, parseRoutesForOverlap(await hostRoutes(), own))
  if (clash) throw new UserError(`subnet ${subnet.text} overlaps the host route ${clash.text}; choose another --subnet`)
}

/** The default `bridge` network record, created (with a free subnet) the first time it is used. */
export async function ensureDefaultBridge(): Promise<NetworkRecord> {
  const existing = await readNetwork('bridge')
  if (existing) return existing
  const {withLock} = await import('../../state/lock.js')
  return withLock(async () => {
    const again = await readNetwork('bridge')
    if (again) return again
    const subnet = pickFreeSubnet(DEFAULT_POOL, await takenSubnets())
    if (!subnet) throw new UserError('no free subnet left for the default bridge; remove a network or a host route in 172.17-31.0.0/16')
    const rec: NetworkRecord = {
      id: networkId('bridge'),
      name: 'bridge',
      driver: 'bridge',
      subnet: subnet.text,
      gateway: firstHost(subnet),
      bridge: defaultBridgeName(),
      options: {},
      created: new Date().toISOString(),
      isDefault: true,
    }
    await writeNetwork(rec)
    return rec
  })
}

/** Refuse a bridge name that is taken by a link this root did not make (network create, and each use). */
export async function assertBridgeUsable(name: string): Promise<void> {
  const refusal = bridgeRefusal(name, await adoptIfMade(name, await linkState(name)), ownerMark())
  if (refusal) throw new UserError(refusal)
}

/**
 * Bridge, gateway address, forwarding and the network's rules. Each piece is checked and
 * made on its own, so a run killed half-way (bridge made, rules not yet) is completed by the next.
 * Only a bridge and a table carrying this root's mark are used; anything else is refused.
 */
async function ensureBridge(net: NetworkRecord, rb: Rollback): Promise<void> {
  const br = net.bridge!
  const tag = instanceTag()
  const gateway = `${net.gateway}/${parseCidr(net.subnet!).prefix}`
  // user-defined networks have a resolver on the gateway: only their own containers may ask it
  const nat = {name: net.name, subnet: net.subnet!, bridge: br, resolver: net.isDefault ? undefined : net.gateway}
  const wantRules = networkRulesScript(tag, nat).split('\n').filter((l) => l.startsWith('add rule')).length
  const checked = await checkedBefore(br, tag, gateway)
  if (checked) {
    phase('driver', `network ${net.name}`)
    return already(`bridge ${br} up with ${gateway}, forwarding, and the nft rules of ${net.subnet}`, 'made by an earlier command; kept until network rm')
  }
  // Both probes at once: they are independent, and each is a process.
  const [link, table] = await Promise.all([linkState(br).then((l) => adoptIfMade(br, l)), readTable(tag, {terse: true})])
  const refusal = bridgeRefusal(br, link, ownerMark())
  if (refusal) throw new UserError(refusal)
  const rules = table?.rules
  const haveRules = rules?.filter((r) => r.comment === networkComment(net.name)).length ?? 0
  const state = link ?? {up: false, addrs: [] as string[]}
  if (link && state.up && state.addrs.includes(gateway) && rules && haveRules === wantRules) {
    phase('driver', `network ${net.name}`)
    await recordChecked(br, tag)
    return already(`bridge ${br} up with ${gateway}, forwarding, and the nft rules of ${net.subnet}`, 'made by an earlier command; kept until network rm')
  }

  phase('driver', `bridge ${br} for network ${net.name}`)
  const more: string[] = []
  // A bridge whose MAC is not set takes the lowest of its ports' and changes as containers come
  // and go: the others' ARP entries for the gateway (their route out, their resolver) would go
  // stale. Set once, as Docker does, it stays.
  if (!link) more.push(`link set ${br} address ${macFromIp(net.gateway!)}`)
  if (!state.addrs.includes(gateway)) more.push(`addr add ${gateway} dev ${br}`)
  if (!state.up) more.push(`link set ${br} up`)
  const why = `the virtual switch of network ${net.name}, with the gateway address containers route through`
  if (!link) {
    // The rollback deletes only a bridge this run marked or recorded as made (never someone else's).
    rb.push('bridge', async () => {
      if (await ownsLink(br)) await deleteMadeLink(br)
      await removeBridge(net)
    })
    await addOwnedLinkBatch(br, `link add ${br} type bridge`, more, why)
  } else if (more.length > 0) await ipBatch(more, {why})
  await setSysctl('net.ipv4.ip_forward', '1', 'route packets between the bridge and the host')
  // 127.0.0.1 → published port: DNAT to the container needs loopback-sourced packets routable on
  // the bridge. The price is the CVE-2020-8558 hole, closed by the input guard rule of the network.
  await setSysctl(`net.ipv4.conf.${br}.route_localnet`, '1', 'let -p answer on 127.0.0.1 (DNAT from loopback)')
  // One nft transaction for the table and the network's rules; rules a crash left behind are replaced, not duplicated.
  const scripts: string[] = []
  if (!rules) scripts.push(baseTableScript(tag, ownerMark()))
  if (haveRules !== wantRules) scripts.push(networkRulesScript(tag, nat, rules ?? []))
  if (scripts.length > 0) {
    await applyNft(scripts.join('\n'), `minirun's nftables table (NAT and filter chains, the published-ports maps, its owner); NAT, the 127.0.0.1 guard and isolation from other networks for ${net.subnet} on ${br}`)
  }
  await recordChecked(br, tag)
}

/**
 * A bridge checked complete once (ours, up, its gateway, forwarding, its network's rules) is
 * not read again with `ip` and `nft` on every run while it is the same link (ifindex), still up
 * with its gateway, and the same table (handle: new each time a table is made) with as many
 * rules: the lock helper reads those without a spawn. Anything else (a rule deleted behind
 * minirun's back, another network's rules added) takes the full check once, which repairs.
 */
async function checkedBefore(br: string, tag: string, gateway: string): Promise<boolean> {
  const stamp = await readJson<{ifindex: number; table: string}>(paths.bridgeChecked(br)).catch(() => undefined)
  if (!stamp) return false
  const [link, table] = await Promise.all([helperProbe('link', br), helperProbe('nftable', tableName(tag))])
  const [ifindex, up, addr] = link?.split(' ') ?? []
  return Number(ifindex) === stamp.ifindex && up === '1' && addr === gateway && table === stamp.table
}

async function recordChecked(br: string, tag: string): Promise<void> {
  const [link, table] = await Promise.all([helperProbe('link', br), helperProbe('nftable', tableName(tag))])
  if (!link || !table) return
  await writeJsonAtomic(paths.bridgeChecked(br), {ifindex: Number(link.split(' ')[0]), table})
}

/** `network create`: the bridge, its address and rules now, as Docker makes them (undone if a step fails). */
export async function makeBridgeNow(net: NetworkRecord): Promise<void> {
  const {transaction} = await import('../../kernel/rollback.js')
  phase('network', `create ${net.name}: bridge ${net.bridge}, gateway ${net.gateway}, subnet ${net.subnet}`)
  await transaction((rb) => ensureBridge(net, rb))
}

/** The network's rules, its bridge (only if this root made it) and, with the last bridge, the table. */
async function removeBridge(net: NetworkRecord): Promise<void> {
  const tag = instanceTag()
  const script = deleteNetworkRulesScript(tag, net.name, (await readTable(tag, {terse: true}))?.rules ?? [])
  if (script) await applyNft(script, `drop network ${net.name}'s rules`)
  await fs.promises.rm(paths.bridgeChecked(net.bridge!), {force: true})
  await deleteOwnedLink(net.bridge!, `remove bridge ${net.bridge}: no container uses network ${net.name}`)
  await dropTableIfUnused()
}

/**
 * Bridges this root made whose network record is gone (moved aside by prune as unreadable):
 * nothing else can name them any more. Returns what was removed, for prune's report.
 */
export async function removeOrphanBridges(): Promise<string[]> {
  const known = new Set((await listNetworks()).map((n) => n.bridge))
  const out: string[] = []
  for (const l of await links()) {
    if (!l.ifname.startsWith('mrb-') || known.has(l.ifname) || !(await ownsLink(l.ifname))) continue
    await deleteOwnedLink(l.ifname, 'orphaned bridge: its network record is gone')
    out.push(`bridge ${l.ifname}`)
  }
  if (out.length > 0) await dropTableIfUnused()
  return out
}

/** When no bridge of this root is left, minirun's nft table goes too. */
async function dropTableIfUnused(): Promise<void> {
  for (const n of await listNetworks()) {
    if (n.bridge && (await ownsLink(n.bridge))) return
  }
  const tag = instanceTag()
  if (await readTable(tag, {terse: true})) await applyNft(deleteTableScript(tag), 'no minirun network is in use: remove minirun\'s nftables table')
}

export const bridgeDriver: NetworkDriver = {
  name: 'bridge',
  capabilities: {netns: 'own', publishing: 'firewall', names: true, staticIps: true},
  validate: (_net, req) => checkRequest(bridgeDriver, req, ''),
  describe: (net): {options: Record<string, string>} => ({options: net.bridge ? {'com.docker.network.bridge.name': net.bridge} : {}}),

  async setup(ep: Endpoint, rb: Rollback): Promise<NetworkAttachment> {
    const net = ep.network
    const subnet = parseCidr(net.subnet!)
    await ensureBridge(net, rb)

    // --ip-range (and an overlay host's own address block) narrows where addresses come from
    const range = net.options['ip-range'] ? parseCidr(net.options['ip-range'], {anyPrefix: true}) : undefined
    // a block's first address (10.50.1.0 of 10.50.0.0/16) is valid but reads as a network address: not handed out
    const skip = net.options.block ? [parseCidr(net.options.block, {anyPrefix: true}).network] : []
    const ip = await allocate(net.name, subnet, net.gateway!, ep.containerId, ep.requestedIp, range, skip)
    rb.push('ip lease', () => release(net.name, ep.containerId, ip))
    const mac = macFromIp(ip)
    const veth = vethName(ep.containerId, ep.ifname)
    // Docker's MTU option (an overlay sets 1450: room for the VXLAN headers on a 1500 underlay)
    const mtuOpt = net.options['com.docker.network.driver.mtu']

    // No process for the whole pair: the lock helper makes the host side and sets the container side.
    rb.push('veth', async () => {
      if (await ownsLink(veth)) await deleteMadeLink(veth)
    })
    const addVeth = () =>
      addOwnedVeth({
        name: veth,
        peer: ep.ifname,
        mac,
        netns: ep.netns,
        master: net.bridge!,
        mtu: mtuOpt ? Number(mtuOpt) : undefined,
        why: `a veth pair: ${veth} stays on the host, plugged into bridge ${net.bridge}; its peer becomes the container's ${ep.ifname}, with a MAC derived from the IP as Docker does`,
      })
    await addVeth().catch(async (error) => {
      // the same container started again (stop+start, restart): its previous pair may still be
      // going with its previous namespace, which the kernel frees asynchronously
      if (!/File exists/.test((error as {stderr?: string}).stderr ?? '') || !(await ownsLink(veth))) throw error
      await waitForLinkGone(veth)
      await addVeth()
    })
    await endpointUp({netns: ep.netns, ifname: ep.ifname, ip, prefix: subnet.prefix, gateway: ep.ifname === 'eth0' ? net.gateway! : undefined, why: 'inside the container: its address, the link up, and (eth0) the default route through the bridge gateway'})
    if (ep.ports.length > 0) {
      phase('ports', 'publish with DNAT')
      await publishPorts(ep, ip, rb)
    }
    // user-defined networks answer names (dns/resolver.ts); the default bridge has none, as in Docker
    if (hasResolver(net)) await (await import('../dns/resolver.js')).ensureResolver(net, ep.containerId, rb)
    const att: NetworkAttachment = {networkId: net.id, networkName: net.name, ifname: ep.ifname, ip, prefixLen: subnet.prefix, gateway: net.gateway!, mac, hostIfname: veth, aliases: ep.aliases}
    if (ep.ports.length > 0) att.ports = ep.ports
    return att
  },

  async teardown(ep: Endpoint, att: NetworkAttachment | undefined): Promise<void> {
    const net = ep.network
    phase('teardown', `${ep.containerName} from network ${net.name}`)
    // only the attachment that holds the ports takes them away: leaving a second network must
    // not unpublish what the first one serves
    if (att?.ports?.length) await unpublishPorts(ep.containerId, att.ports)
    await deleteVeth(ep, att?.hostIfname ?? vethName(ep.containerId, ep.ifname))
    await release(net.name, ep.containerId, att?.ip)
    if (hasResolver(net)) {
      const dns = await import('../dns/resolver.js')
      await dns.forgetNames(net.name, ep.containerId)
      await dns.stopResolverIfIdle(net)
    }
  },
}

/** A link of ours the kernel is freeing with its namespace: give it a second, then delete it. */
async function waitForLinkGone(name: string): Promise<void> {
  for (let i = 0; i < 50 && (await linkExists(name)); i++) await new Promise((r) => setTimeout(r, 20))
  await deleteOwnedLink(name, 'a previous veth of this container, still there')
}

/**
 * A veth pair goes with either end. The container's end needs no ownership check (everything in
 * its namespace is the container's), so it is deleted from inside; the host end, after the
 * check, only when the namespace is already gone.
 */
async function deleteVeth(ep: Endpoint, hostIfname: string): Promise<void> {
  if (ep.netnsReleased && (await helperOp('unplug', hostIfname, ownerMark())) === '') {
    note(`ip link set ${hostIfname} nomaster down`, "off the bridge: whatever the container left holding its namespace, the old end carries nothing for the next container on its address")
    return comment(`the veth pair ${hostIfname}/${ep.ifname} goes with the container's namespace: the kernel frees both when it is released`)
  }
  if (fs.existsSync(ep.netns)) {
    const r = await run(['nsenter', `--net=${ep.netns}`, '--', 'ip', 'link', 'del', 'dev', ep.ifname], {allowFail: true, why: `remove the veth pair from the container's side (${hostIfname} goes with it)`})
    if (r.exitCode === 0) return
  }
  await deleteOwnedLink(hostIfname, 'remove the host end of the veth pair (its peer goes with it)')
}

/**
 * The last container out removes the bridge and its rules (and, with the last bridge, the table).
 * "Last" is what the leases say: every running endpoint on the network holds one.
 */
export async function removeBridgeIfUnused(net: NetworkRecord): Promise<void> {
  if (!net.bridge || (await leases(net.name)).size > 0) return
  if ((await ownsLink(net.bridge)) || (await readTable(instanceTag(), {terse: true}))) await removeBridge(net)
}
