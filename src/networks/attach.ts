import {UserError} from '../errors.js'
import type {Rollback} from '../kernel/rollback.js'
import {phase} from '../kernel/runner.js'
import {withLock} from '../state/lock.js'
import {ensureDefaultBridge} from './drivers/bridge.js'
import {driverFor} from './drivers/index.js'
import type {EndpointRequest, NetworkAttachment, NetworkDriver} from './driver.js'
import {publishPorts} from './firewall/publish.js'
import {readTable} from './firewall/nft.js'
import {instanceTag} from '../state/paths.js'
import type {NetworkMode} from './mode.js'
import type {PortMapping} from './ports.js'
import {readNetwork, type NetworkRecord} from './records.js'

// The wing's entry points for a container: resolve its --network into a driver (and network)
// once, attach and detach endpoints. Callers hand in an EndpointRequest and keep the attachment.

/** The network record, creating the default `bridge` on first use. */
export async function ensureNetworkReady(name: string): Promise<NetworkRecord> {
  if (name === 'bridge') return ensureDefaultBridge()
  const net = (await readNetwork(name)) ?? (await fromConfDir(name)) ?? (await fromClusterStore(name))
  if (!net) throw new UserError(`network ${name} not found; create it with 'minirun network create ${name}' or use --network bridge`)
  return net
}

/** A conflist of the CNI configuration directory, used by name: stored as a network on first use. */
async function fromConfDir(name: string): Promise<NetworkRecord | undefined> {
  const {confDirNetworks} = await import('./drivers/cni.js')
  const config = (await confDirNetworks()).find((c) => c.name === name)
  if (!config) return undefined
  const {networkId, writeNetwork} = await import('./records.js')
  const rec: NetworkRecord = {id: networkId(name), name, driver: 'cni', cni: config, options: {}, created: new Date().toISOString()}
  await withLock(() => writeNetwork(rec))
  return rec
}

/** An overlay network of the cluster store, not yet joined by this host (its driver joins it). */
async function fromClusterStore(name: string): Promise<NetworkRecord | undefined> {
  if (!process.env.MINIRUN_CLUSTER_STORE) return undefined
  return (await import('./drivers/overlay/manage.js')).clusterNetwork(name)
}

/** A --network value resolved once: the driver that serves it, and the network for a named one. */
export interface NetworkPlan {
  mode: NetworkMode
  driver: NetworkDriver
  network?: NetworkRecord
}

export async function planNetwork(mode: NetworkMode): Promise<NetworkPlan> {
  if (mode.kind === 'host') return {mode, driver: await driverFor('host')}
  if (mode.kind === 'none') return {mode, driver: await driverFor('null')}
  if (mode.kind === 'container') return {mode, driver: await driverFor('container')}
  const network = await ensureNetworkReady(mode.name)
  return {mode, driver: await driverFor(network.driver), network}
}

export async function attachNetwork(req: EndpointRequest, net: NetworkRecord, rb: Rollback): Promise<NetworkAttachment> {
  phase('driver', `${net.driver} network ${net.name}`)
  const driver = await driverFor(net.driver)
  // The store lock covers IPAM, the port map and the "last user removes the bridge" decision.
  const att = await withLock(() => driver.setup({...req, network: net}, rb))
  if (!att) throw new UserError(`network ${net.name} (driver ${net.driver}) cannot be attached to`)
  return att
}

/** Undo attachNetwork (idempotent): its ports, interface and address go. */
export async function detachNetwork(req: Omit<EndpointRequest, 'ports' | 'aliases'>, att: NetworkAttachment): Promise<void> {
  const net = await readNetwork(att.networkName)
  if (!net) return
  const driver = await driverFor(net.driver)
  await withLock(() => driver.teardown({...req, ports: att.ports ?? [], aliases: att.aliases, network: net}, att))
}

/** Whether ports can be published to an attachment on `network` after the fact (network connect/disconnect). */
export async function publishesPorts(network: string): Promise<boolean> {
  const net = await readNetwork(network)
  return !!net && (await driverFor(net.driver)).capabilities.publishing === 'firewall'
}

/** Publish `ports` to an existing attachment: they move to it when the attachment that held them goes. */
export async function publishOn(req: Pick<EndpointRequest, 'containerId' | 'nameOf'>, att: NetworkAttachment, ports: PortMapping[], rb: Rollback): Promise<NetworkAttachment> {
  await withLock(async () => {
    // a table of minirun's name that this root did not make is refused (attaching checks it too)
    await readTable(instanceTag(), {terse: true})
    await publishPorts({...req, ports}, att.ip, rb)
  })
  return {...att, ports}
}
