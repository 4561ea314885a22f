import {createHash} from 'node:crypto'
import {clusterClient, storeSpec} from '../../../cluster/config.js'
import type {EtcdClient} from '../../../cluster/etcd.js'
import {UserError} from '../../../errors.js'
import type {NetworkFactory} from '../../driver.js'
import {checkSubnetFree, takenSubnets} from '../bridge.js'
import {findOverlap, parseCidr, pickFreeSubnet} from '../../ipam/cidr.js'
import {readNetwork, type NetworkRecord} from '../../records.js'
import {clientFor, listConfigs, listEndpoints, listHosts, readConfig, readIdentity} from './cluster.js'
import {leaveHost, localRecord} from './driver.js'
import {checkVni, defaultBlockPrefix, keys, pickVni, type OverlayConfig} from './model.js'

// network create / rm / ls / inspect for overlays: the network lives in etcd, so every host
// sees it; a host keeps a local record only while it is a peer (driver.ts).

/** 10.50-99.0.0/16: out of Docker's bridge pools, so an overlay and a local bridge rarely meet. */
const OVERLAY_POOL = Array.from({length: 50}, (_, i) => `10.${50 + i}.0.0/16`)

export async function createOverlayNetwork(req: {name: string; subnet?: string; gateway?: string; options: Record<string, string>}): Promise<NetworkRecord> {
  for (const k of Object.keys(req.options)) if (k !== 'vni') throw new UserError(`unknown overlay option "${k}"; supported: vni`)
  if (req.gateway) throw new UserError('-d overlay: each host routes its containers through its own address on the overlay; leave out --gateway')
  const client = clusterClient()
  if (await readNetwork(req.name)) throw new UserError(`network with name ${req.name} already exists on this host; choose another name`)
  const configs = await listConfigs(client)
  if (configs.some((c) => c.name === req.name)) throw new UserError(`network with name ${req.name} already exists in the cluster; remove it first (minirun network rm ${req.name})`)
  const others = configs.map((c) => parseCidr(c.subnet))
  let subnet = req.subnet !== undefined ? parseCidr(req.subnet) : undefined
  if (subnet) {
    const clash = findOverlap(subnet, others)
    if (clash) throw new UserError(`subnet ${subnet.text} overlaps overlay network ${configs.find((c) => c.subnet === clash.text)?.name} (${clash.text}); choose another --subnet`)
    await checkSubnetFree(subnet, req.name)
  } else subnet = pickFreeSubnet(OVERLAY_POOL, [...others, ...(await takenSubnets())])
  if (!subnet) throw new UserError('no free subnet left in 10.50-99.0.0/16; give one with --subnet')
  let vni: number
  try {
    vni = req.options.vni !== undefined ? checkVni(req.options.vni) : pickVni(new Set(configs.map((c) => c.vni)))
  } catch (error) {
    throw new UserError(`invalid --opt vni: ${(error as Error).message}`)
  }
  const cfg: OverlayConfig = {
    id: createHash('sha256').update(`minirun-overlay:${req.name}:${Date.now()}:${Math.random()}`).digest('hex'),
    name: req.name,
    subnet: subnet.text,
    vni,
    blockPrefix: defaultBlockPrefix(subnet),
    created: new Date().toISOString(),
  }
  // the name and the VNI are claimed together: two hosts creating at once cannot both win
  const ok = await client.createAll([
    {key: keys.network(cfg.name), value: JSON.stringify(cfg)},
    {key: keys.vni(vni), value: cfg.name},
  ])
  if (!ok) throw new UserError(`network ${cfg.name} or VNI ${vni} was just taken in the cluster; choose another name or --opt vni`)
  return localRecord(cfg)
}

/** `network rm` of an overlay: cluster-wide, as Docker's; refused while any host has a container on it. */
export async function removeOverlayNetwork(net: NetworkRecord): Promise<void> {
  const name = net.name
  const client = clusterClient()
  const cfg = await readConfig(client, name)
  if ((await readNetwork(name))?.driver === 'overlay') await leaveHost(net, client, await readIdentity()) // a crash's leftover: no container uses it here
  if (!cfg) return
  const eps = await listEndpoints(client, name)
  if (eps.length > 0) {
    throw new UserError(`network ${name} has active endpoints (${eps.map((e) => `${e.name} on ${e.host}`).join(', ')}); remove or disconnect them first`)
  }
  await client.delete(keys.network(name))
  if ((await client.get(keys.vni(cfg.vni)))?.value === name) await client.delete(keys.vni(cfg.vni))
}

/** The overlay `name` as a record this host can attach to (joined on first use), or undefined. */
export async function clusterNetwork(name: string): Promise<NetworkRecord | undefined> {
  const cfg = await readConfig(clusterClient(), name)
  return cfg && localRecord(cfg)
}

/** Every overlay of the cluster, for `network ls` on any host. */
export async function clusterNetworks(): Promise<NetworkRecord[]> {
  return (await listConfigs(clusterClient())).map((c) => localRecord(c))
}

/** What `network inspect` adds for an overlay: the peers and every host's containers. */
export async function clusterView(net: NetworkRecord) {
  // a joined host knows its store even when this shell does not set MINIRUN_CLUSTER_STORE
  const id = storeSpec() ? undefined : await readIdentity()
  const client: EtcdClient = id ? clientFor(id) : clusterClient()
  const [hosts, eps] = await Promise.all([listHosts(client, net.name), listEndpoints(client, net.name)])
  const prefix = parseCidr(net.subnet!).prefix
  return {
    Peers: hosts.map((h) => ({Name: h.host, IP: h.addr})),
    Containers: Object.fromEntries(eps.map((e) => [e.id, {Name: e.name, EndpointID: e.id, MacAddress: e.mac, IPv4Address: `${e.ip}/${prefix}`, IPv6Address: '', Host: e.host}])),
  }
}

/** `network create -d overlay` / `network rm` (drivers/index.ts). */
export const overlayNetworks: NetworkFactory = {create: createOverlayNetwork, remove: removeOverlayNetwork}
