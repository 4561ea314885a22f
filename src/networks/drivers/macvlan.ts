import {addOwnedLink, deleteMadeLink, deleteOwnedLink, linkExists} from '../../kernel/ip.js'
import {inNetns} from '../../kernel/netns.js'
import type {Rollback} from '../../kernel/rollback.js'
import {run} from '../../kernel/runner.js'
import {vethName} from './bridge.js'
import {parseCidr} from '../ipam/cidr.js'
import {checkRequest, type Endpoint, type NetworkAttachment, type NetworkDriver} from '../driver.js'
import {allocate, release} from '../ipam/leases.js'
import {macFromIp} from '../ipam/mac.js'

// The macvlan driver: a child of the parent interface, moved into the container as eth0.
// No NAT and no bridge: the container is a host on the parent's LAN with its own MAC.
export const macvlanDriver: NetworkDriver = {
  name: 'macvlan',
  capabilities: {netns: 'own', publishing: 'none', names: true, staticIps: true},
  validate: (net, req) =>
    checkRequest(macvlanDriver, req, `WARNING: Published ports are ignored on macvlan network ${net?.name}: the container is directly on the LAN, reach it at its own address`),
  describe: () => ({
    notes:
      'macvlan: the host cannot reach its own macvlan children through the parent interface (the parent does not hairpin to its children); create the network with -o host_shim=true to add a host-side macvlan interface and a route that make them reachable.',
  }),

  async setup(ep: Endpoint, rb: Rollback): Promise<NetworkAttachment> {
    const net = ep.network
    const subnet = parseCidr(net.subnet!)
    const range = net.options['ip-range'] ? parseCidr(net.options['ip-range']) : undefined
    const parent = net.options.parent
    if (!(await linkExists(parent))) throw new Error(`the parent interface ${parent} of network ${net.name} is gone`)
    const ip = await allocate(net.name, subnet, net.gateway!, ep.containerId, ep.requestedIp, range)
    rb.push('ip lease', () => release(net.name, ep.containerId))
    const mac = macFromIp(ip)
    // Created under a host-side name carrying the container id, so a crash before the move is found by prune.
    const tmp = vethName(ep.containerId, ep.ifname)
    await addOwnedLink(tmp, ['ip', 'link', 'add', tmp, 'link', parent, 'type', 'macvlan', 'mode', net.options.macvlan_mode ?? 'bridge'],
      `a macvlan child of ${parent}: its own MAC on the parent's LAN`)
    rb.push('macvlan child', () => deleteMadeLink(tmp))
    await run(['ip', 'link', 'set', tmp, 'netns', ep.netns], {why: 'move it into the container'})
    await run(inNetns(ep.netns, ['ip', 'link', 'set', tmp, 'name', ep.ifname]))
    await run(inNetns(ep.netns, ['ip', 'link', 'set', ep.ifname, 'address', mac]))
    await run(inNetns(ep.netns, ['ip', 'addr', 'add', `${ip}/${subnet.prefix}`, 'dev', ep.ifname, 'brd', '+']))
    await run(inNetns(ep.netns, ['ip', 'link', 'set', ep.ifname, 'up']))
    if (ep.ifname === 'eth0') await run(inNetns(ep.netns, ['ip', 'route', 'add', 'default', 'via', net.gateway!]), {why: "the LAN's gateway"})
    return {networkId: net.id, networkName: net.name, ifname: ep.ifname, ip, prefixLen: subnet.prefix, gateway: net.gateway!, mac, hostIfname: undefined, aliases: ep.aliases}
  },

  async teardown(ep: Endpoint, att: NetworkAttachment | undefined): Promise<void> {
    // The child lives in the container's netns and dies with it; only a crash leaves it on the host.
    await deleteOwnedLink(vethName(ep.containerId, att?.ifname ?? ep.ifname))
    await release(ep.network.name, ep.containerId)
  },
}
