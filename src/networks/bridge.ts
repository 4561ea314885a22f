import type {NetworkAttachment} from '../containers/record.js'
import {UserError} from '../errors.js'
import {addOwnedLink, adoptIfMade, deleteMadeLink, deleteOwnedLink, hostRoutes, linkState, ownsLink, setSysctl} from '../kernel/ip.js'
import {inNetns} from '../kernel/netns.js'
import {applyNft, readTable} from '../kernel/nft.js'
import type {Rollback} from '../kernel/rollback.js'
import {phase, run} from '../kernel/runner.js'
import {listContainers} from '../containers/find.js'
import {instanceTag, ownerMark} from '../state/paths.js'
import {DEFAULT_POOL, findOverlap, firstHost, parseCidr, pickFreeSubnet, type Cidr} from './cidr.js'
import type {Endpoint, NetworkDriver} from './driver.js'
import {allocate, leases, release} from './ipam.js'
import {macFromIp} from './mac.js'
import {baseTableScript, deleteNetworkRulesScript, deleteTableScript, networkComment, networkRulesScript} from './nft-script.js'
import {publishPorts, unpublishPorts} from './publish.js'
import {bridgeRefusal} from './owner.js'
import {listNetworks, networkId, readNetwork, writeNetwork, type NetworkRecord} from './records.js'

// The bridge driver: a Linux bridge with the gateway address, one veth pair per container
// (host end on the bridge, the other end moved into the container as eth0), MASQUERADE for
// traffic leaving the subnet, and -p published by DNAT from one nft map.
// The bridge and its rules exist while a container uses the network; the last one out removes them.

export function defaultBridgeName(): string {
  const tag = instanceTag()
  return tag ? `mr${tag}0` : 'minirun0'
}

/** veth host end: "mr" + 11 hex of the container id + the interface index (eth0 → 0). */
export function vethName(containerId: string, ifname: string): string {
  return `mr${containerId.slice(0, 11)}${ifname.replace(/^eth/, '')}`
}

/** Subnets already taken: other minirun networks and every route the host has. */
export async function takenSubnets(exceptNetwork?: string): Promise<Cidr[]> {
  const nets = (await listNetworks()).filter((n) => n.subnet && n.name !== exceptNetwork).map((n) => parseCidr(n.subnet!))
  const routes = await hostRoutes(new Set((await listNetworks()).map((n) => n.bridge).filter((b): b is string => !!b)))
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
  const clash = findOverlap(subnet, await hostRoutes(own))
  if (clash) throw new UserError(`subnet ${subnet.text} overlaps the host route ${clash.text}; choose another --subnet`)
}

/** The default `bridge` network record, created (with a free subnet) the first time it is used. */
export async function ensureDefaultBridge(): Promise<NetworkRecord> {
  const existing = await readNetwork('bridge')
  if (existing) return existing
  const {withLock} = await import('../state/lock.js')
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
  const nat = {name: net.name, subnet: net.subnet!, bridge: br}
  const wantRules = networkRulesScript(tag, nat).split('\n').filter((l) => l.startsWith('add rule')).length
  const [link, table] = [await adoptIfMade(br, await linkState(br)), await readTable(tag, {terse: true})]
  const refusal = bridgeRefusal(br, link, ownerMark())
  if (refusal) throw new UserError(refusal)
  const rules = table?.rules
  const haveRules = rules?.filter((r) => r.comment === networkComment(net.name)).length ?? 0
  const state = link ?? {up: false, addrs: [] as string[]}
  if (link && state.up && state.addrs.includes(gateway) && rules && haveRules === wantRules) return

  phase('driver', `bridge ${br} for network ${net.name}`)
  if (!link) {
    await addOwnedLink(br, ['ip', 'link', 'add', br, 'type', 'bridge'], `the virtual switch of network ${net.name}`)
    rb.push('bridge', async () => {
      await deleteMadeLink(br)
      await removeBridge(net)
    })
  }
  if (!state.addrs.includes(gateway)) await run(['ip', 'addr', 'add', gateway, 'dev', br], {why: 'the gateway address containers route through'})
  if (!state.up) await run(['ip', 'link', 'set', br, 'up'])
  await setSysctl('net.ipv4.ip_forward', '1', 'route packets between the bridge and the host')
  // 127.0.0.1 → published port: DNAT to the container needs loopback-sourced packets routable on
  // the bridge. The price is the CVE-2020-8558 hole, closed by the input guard rule of the network.
  await setSysctl(`net.ipv4.conf.${br}.route_localnet`, '1', 'let -p answer on 127.0.0.1 (DNAT from loopback)')
  if (!rules) await applyNft(baseTableScript(tag, ownerMark()), "minirun's own nftables table: NAT and filter chains, the published-ports maps, its owner")
  // Rules a crash left behind are replaced, not duplicated.
  if (haveRules !== wantRules) {
    await applyNft(networkRulesScript(tag, nat, rules ?? []), `NAT, the 127.0.0.1 guard and isolation from other networks for ${net.subnet} on ${br}`)
  }
}

/** The network's rules, its bridge (only if this root made it) and, with the last bridge, the table. */
async function removeBridge(net: NetworkRecord): Promise<void> {
  const tag = instanceTag()
  const script = deleteNetworkRulesScript(tag, net.name, (await readTable(tag, {terse: true}))?.rules ?? [])
  if (script) await applyNft(script, `drop network ${net.name}'s rules`)
  await deleteOwnedLink(net.bridge!, `remove bridge ${net.bridge}: no container uses network ${net.name}`)
  await dropTableIfUnused()
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
  async setup(ep: Endpoint, rb: Rollback): Promise<NetworkAttachment> {
    const net = ep.network
    const subnet = parseCidr(net.subnet!)
    await ensureBridge(net, rb)

    const ip = await allocate(net.name, subnet, net.gateway!, ep.containerId, ep.requestedIp)
    rb.push('ip lease', () => release(net.name, ep.containerId))
    const mac = macFromIp(ip)
    const veth = vethName(ep.containerId, ep.ifname)

    await addOwnedLink(veth, ['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', ep.ifname, 'netns', ep.netns],
      `a veth pair: ${veth} stays on the host, its peer becomes the container's ${ep.ifname}`)
    rb.push('veth', () => deleteMadeLink(veth))
    await run(['ip', 'link', 'set', veth, 'master', net.bridge!], {why: `plug the host end into bridge ${net.bridge}`})
    // Hairpin: a container reaching its own published port through the host comes back out the same port.
    await run(['ip', 'link', 'set', veth, 'type', 'bridge_slave', 'hairpin', 'on'])
    await run(['ip', 'link', 'set', veth, 'up'])
    await run(inNetns(ep.netns, ['ip', 'link', 'set', ep.ifname, 'address', mac]), {why: 'a MAC derived from the IP, as Docker does'})
    await run(inNetns(ep.netns, ['ip', 'addr', 'add', `${ip}/${subnet.prefix}`, 'dev', ep.ifname]))
    await run(inNetns(ep.netns, ['ip', 'link', 'set', ep.ifname, 'up']))
    if (ep.ifname === 'eth0') {
      await run(inNetns(ep.netns, ['ip', 'route', 'add', 'default', 'via', net.gateway!]), {why: 'everything else goes through the bridge gateway'})
    }
    if (ep.ports.length > 0) {
      phase('ports', 'publish with DNAT')
      await publishPorts(ep.containerId, ip, ep.ports, rb)
    }
    return {networkId: net.id, networkName: net.name, ifname: ep.ifname, ip, prefixLen: subnet.prefix, gateway: net.gateway!, mac, hostIfname: veth, aliases: ep.aliases}
  },

  async teardown(ep: Endpoint, att: NetworkAttachment | undefined): Promise<void> {
    const net = ep.network
    phase('teardown', `${ep.containerName} from network ${net.name}`)
    // only the network that holds the ports (the first) takes them away: leaving a second
    // network must not unpublish what the first one serves
    if (ep.ports.length > 0) await unpublishPorts(ep.containerId, ep.ports)
    await deleteOwnedLink(att?.hostIfname ?? vethName(ep.containerId, ep.ifname), 'remove the host end of the veth pair (its peer goes with it)')
    await release(net.name, ep.containerId)
    await removeBridgeIfUnused(net, ep.containerId)
  },
}

/** The last container out removes the bridge and its rules (and, with the last bridge, the table). */
export async function removeBridgeIfUnused(net: NetworkRecord, leaving?: string): Promise<void> {
  if (!net.bridge || !(await networkUnused(net, leaving))) return
  if ((await ownsLink(net.bridge)) || (await readTable(instanceTag(), {terse: true}))) await removeBridge(net)
}

async function networkUnused(net: NetworkRecord, leaving?: string): Promise<boolean> {
  const held = await leases(net.name)
  if ([...held.values()].some((owner) => owner !== leaving)) return false
  const users = (await listContainers()).filter((c) => c.id !== leaving && c.networks[net.name] && c.state.status !== 'exited' && !c.netnsOwner)
  return users.length === 0
}

