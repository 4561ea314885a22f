import {UserError} from '../../errors.js'
import type {NetworkDriver, NetworkFactory} from '../driver.js'
import {bridgeDriver} from './bridge.js'
import {containerJoinDriver} from './container-join.js'
import {hostDriver} from './host.js'
import {noneDriver} from './none.js'

// The one place a driver is picked by name (netavark's get_network_driver). Drivers that are
// not on every run's path load on first use.

const DRIVERS: Record<string, () => Promise<NetworkDriver>> = {
  bridge: async () => bridgeDriver,
  macvlan: async () => (await import('./macvlan.js')).macvlanDriver,
  cni: async () => (await import('./cni.js')).cniDriver,
  host: async () => hostDriver,
  null: async () => noneDriver,
  container: async () => containerJoinDriver,
  overlay: async () => (await import('./overlay/driver.js')).overlayDriver,
}

const FACTORIES: Record<string, () => Promise<NetworkFactory>> = {
  bridge: async () => (await import('./bridge-network.js')).bridgeNetworks,
  macvlan: async () => (await import('./macvlan-network.js')).macvlanNetworks,
  cni: async () => (await import('./cni.js')).cniNetworks,
  overlay: async () => (await import('./overlay/manage.js')).overlayNetworks,
}

export async function driverFor(name: string): Promise<NetworkDriver> {
  const d = DRIVERS[name]
  if (!d) throw new UserError(`unknown network driver "${name}": use ${Object.keys(FACTORIES).join(', ')}`)
  return d()
}

export async function factoryFor(name: string): Promise<NetworkFactory> {
  const f = FACTORIES[name]
  if (!f) throw new UserError(`unknown network driver "${name}": use ${Object.keys(FACTORIES).join(', ')}`)
  return f()
}
