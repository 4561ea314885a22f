import {createHash} from 'node:crypto'
import type {EtcdClient} from '../../../cluster/etcd.js'
import {UserError} from '../../../errors.js'
import type {Rollback} from '../../../kernel/rollback.js'
import {phase} from '../../../kernel/runner.js'
import {instanceTag} from '../../../state/paths.js'
import {bridgeDriver, checkSubnetFree, removeBridgeIfUnused} from '../bridge.js'
import {contains, isIp, parseCidr} from '../../ipam/cidr.js'
import {checkRequest, type Endpoint, type NetworkAttachment, type NetworkDriver} from '../../driver.js'
import {leases, releaseAll} from '../../ipam/leases.js'
import {deleteNetworkRecord, listNetworks, readNetwork, writeNetwork, type NetworkRecord} from '../../records.js'
import {stopAgent, ensureAgent} from './agent-control.js'
import {blockGateway, clientFor, deleteEndpoint, ensureIdentity, forgetIdentity, joinNetwork, leaveNetwork, putEndpoint, readConfig, readIdentity, type Identity} from './cluster.js'
import {keys, type OverlayConfig} from './model.js'
import {syncNetwork} from './sync.js'
import {ensureVxlan, OVERLAY_MTU, removeVxlan, vxlanName} from './vxlan.js'

// The overlay driver: on each host, the bridge driver's bridge (its veths, NAT and -p, unchanged)
// with a VXLAN device on it, so the bridges of all peer hosts form one Ethernet segment. The
// network's subnet is shared; each host allocates from its own block of it (claimed in etcd), and
// its bridge holds the first address of that block: the gateway its containers leave through.
// The local record (networks/NAME.json, driver "overlay") exists while this host is a peer.

/** Per root, so two roots on one machine never share a bridge (the network id is cluster-wide). */
export function overlayBridgeName(networkId: string): string {
  return `mro-${createHash('sha256').update(`${networkId}:${instanceTag()}`).digest('hex').slice(0, 10)}`
}

/** The record this host uses for `cfg`, with its block (joined) or without (not yet). */
export function localRecord(cfg: OverlayConfig, block?: string): NetworkRecord {
  const rec: NetworkRecord = {
    id: cfg.id,
    name: cfg.name,
    driver: 'overlay',
    subnet: cfg.subnet,
    bridge: overlayBridgeName(cfg.id),
    options: {vni: String(cfg.vni), 'com.docker.network.driver.mtu': String(OVERLAY_MTU)},
    created: cfg.created,
  }
  if (block) {
    const b = parseCidr(`${block}/${cfg.blockPrefix}`, {anyPrefix: true})
    rec.gateway = blockGateway(b)
    rec.options.block = b.text
    rec.options['ip-range'] = b.text
  }
  return rec
}

/** This host is still a peer under its current lease: its host key is there, under that lease. */
async function stillJoined(client: EtcdClient, id: Identity, net: string): Promise<boolean> {
  const kv = await client.get(keys.host(net, id.host))
  return kv?.lease === id.lease
}

/** This host's last endpoint on `net` is gone: every endpoint holds a lease of its block. */
export const unusedHere = async (net: NetworkRecord) => (await leases(net.name)).size === 0

export const overlayDriver: NetworkDriver = {
  name: 'overlay',
  // the bridge driver's, on a bridge that reaches the other hosts
  capabilities: {netns: 'own', publishing: 'firewall', names: true, staticIps: true},
  validate: (_net, req) => checkRequest(overlayDriver, req, ''),
  describe: (net) => ({options: {vni: net.options.vni ?? '', ...(net.bridge ? {'com.docker.network.bridge.name': net.bridge} : {})}}),
  inspect: async (net) => (await import('./manage.js')).clusterView(net),

  async setup(ep: Endpoint, rb: Rollback): Promise<NetworkAttachment> {
    const {id, client} = await ensureIdentity()
    const cfg = await readConfig(client, ep.network.name)
    if (!cfg) throw new UserError(`overlay network ${ep.network.name} no longer exists in the cluster store; see minirun network ls`)
    const before = await readNetwork(cfg.name)
    const previous = before?.options.block?.split('/')[0]
    let net = before
    if (!before || !previous || !(await stillJoined(client, id, cfg.name))) {
      phase('driver', `overlay ${cfg.name}: join as host ${id.host} (${id.addr})`)
      if (!before) await checkSubnetFree(parseCidr(cfg.subnet), cfg.name)
      const block = await joinNetwork(client, id, cfg, previous)
      net = localRecord(cfg, block.network)
      await writeNetwork(net)
      if (!before) rb.push('overlay membership', () => leaveHost(net!, client, id))
    }
    const block = parseCidr(net!.options.block!, {anyPrefix: true})
    if (ep.requestedIp && isIp(ep.requestedIp) && !contains(block, ep.requestedIp)) {
      throw new UserError(`--ip ${ep.requestedIp}: on overlay ${cfg.name} this host gives out addresses of its own block ${block.text} (other hosts hold the rest of ${cfg.subnet}); choose one in it`)
    }
    const att = (await bridgeDriver.setup({...ep, network: net!}, rb))!
    await ensureVxlan({name: vxlanName(net!.bridge!), bridge: net!.bridge!, vni: cfg.vni, local: id.addr, network: cfg.name}, rb)
    await syncNetwork(client, id, net!)
    rb.push('endpoint key', () => deleteEndpoint(client, cfg.name, ep.containerId).catch(() => {}))
    await putEndpoint(client, id, cfg.name, {id: ep.containerId, name: ep.containerName, ip: att.ip, mac: att.mac, host: id.host, aliases: ep.aliases})
    await ensureAgent()
    return att
  },

  async teardown(ep: Endpoint, att: NetworkAttachment | undefined): Promise<void> {
    await bridgeDriver.teardown(ep, att)
    const id = await readIdentity()
    const client = id && clientFor(id)
    // etcd away: the key goes with this host's lease when the agent stops renewing it
    if (client) await deleteEndpoint(client, ep.network.name, ep.containerId).catch(() => {})
    if (await unusedHere(ep.network)) await leaveHost(ep.network, client, id)
  },
}

/**
 * The last container of this host on `net` is gone: the tunnel end, the bridge, the local record
 * and the host's keys go; with the last overlay, the agent and the lease too.
 */
export async function leaveHost(net: NetworkRecord, client?: EtcdClient, id?: Identity): Promise<void> {
  phase('teardown', `overlay ${net.name}: this host leaves it`)
  if (net.bridge) await removeVxlan(vxlanName(net.bridge))
  await removeBridgeIfUnused(net)
  await releaseAll(net.name)
  await deleteNetworkRecord(net.name)
  if (client && id) await leaveNetwork(client, id, net.name, net.options.block?.split('/')[0]).catch(() => {})
  if ((await listNetworks()).some((n) => n.driver === 'overlay')) return
  await stopAgent()
  if (client && id) await client.revoke(id.lease)
  await forgetIdentity()
}
