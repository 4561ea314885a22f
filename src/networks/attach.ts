import type {ContainerRecord, NetworkAttachment} from '../containers/record.js'
import {UserError} from '../errors.js'
import type {Rollback} from '../kernel/rollback.js'
import {phase} from '../kernel/runner.js'
import {withLock} from '../state/lock.js'
import {bridgeDriver, ensureDefaultBridge} from './bridge.js'
import type {Endpoint, NetworkDriver} from './driver.js'
import type {PortMapping} from './ports.js'
import {readNetwork, type NetworkRecord} from './records.js'

// Picks the driver for a network and hands it one Endpoint (netavark's get_network_driver).

const DRIVERS: Partial<Record<NetworkRecord['driver'], () => Promise<NetworkDriver>>> = {
  bridge: async () => bridgeDriver,
  macvlan: async () => (await import('./macvlan.js')).macvlanDriver,
  cni: async () => (await import('./cni.js')).cniDriver,
}

async function driverFor(net: NetworkRecord): Promise<NetworkDriver> {
  const d = DRIVERS[net.driver]
  if (!d) throw new UserError(`network ${net.name} (driver ${net.driver}) cannot be attached to`)
  return d()
}

/** The network record, creating the default `bridge` on first use. */
export async function ensureNetworkReady(name: string): Promise<NetworkRecord> {
  if (name === 'bridge') return ensureDefaultBridge()
  const net = (await readNetwork(name)) ?? (await fromConfDir(name))
  if (!net) throw new UserError(`network ${name} not found; create it with 'minirun network create ${name}' or use --network bridge`)
  return net
}

/** A conflist of the CNI configuration directory, used by name: stored as a network on first use. */
async function fromConfDir(name: string): Promise<NetworkRecord | undefined> {
  const {confDirNetworks} = await import('./cni.js')
  const config = (await confDirNetworks()).find((c) => c.name === name)
  if (!config) return undefined
  const {networkId, writeNetwork} = await import('./records.js')
  const rec: NetworkRecord = {id: networkId(name), name, driver: 'cni', cni: config, options: {}, created: new Date().toISOString()}
  await withLock(() => writeNetwork(rec))
  return rec
}

function endpoint(rec: ContainerRecord, net: NetworkRecord, opts: {ifname: string; requestedIp?: string; ports: PortMapping[]; aliases: string[]}): Endpoint {
  return {
    containerId: rec.id,
    containerName: rec.name,
    netns: rec.netns!,
    network: net,
    ifname: opts.ifname,
    requestedIp: opts.requestedIp,
    ports: opts.ports,
    aliases: opts.aliases,
  }
}

export async function attachNetwork(
  rec: ContainerRecord,
  net: NetworkRecord,
  opts: {ifname: string; requestedIp?: string; ports: PortMapping[]; aliases: string[]},
  rb: Rollback,
): Promise<NetworkAttachment> {
  phase('driver', `${net.driver} network ${net.name}`)
  const driver = await driverFor(net)
  const ep = endpoint(rec, net, opts)
  // The store lock covers IPAM, the port map and the "last user removes the bridge" decision.
  return withLock(() => driver.setup(ep, rb))
}

export async function detachNetwork(rec: ContainerRecord, name: string, att: NetworkAttachment): Promise<void> {
  const net = await readNetwork(name)
  if (!net) return
  const driver = await driverFor(net)
  const ports = Object.keys(rec.networks)[0] === name ? rec.hostConfig.ports : []
  await withLock(() => driver.teardown(endpoint(rec, net, {ifname: att.ifname, ports, aliases: att.aliases}), att))
}
