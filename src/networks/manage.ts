import {UserError} from '../errors.js'
import {withLock} from '../state/lock.js'
import {phase} from '../kernel/runner.js'
import type {CreateRequest} from './driver.js'
import {factoryFor} from './drivers/index.js'
import {leases, releaseAll} from './ipam/leases.js'
import {validateName} from '../util/names.js'
import {BUILTIN, findNetwork, deleteNetworkRecord, type NetworkRecord} from './records.js'

// network create / rm: the name checks here, the rest in the driver's factory (drivers/).

export function parseOptions(opts: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const o of opts) {
    const i = o.indexOf('=')
    if (i <= 0) throw new UserError(`invalid option "${o}": use -o KEY=VALUE`)
    out[o.slice(0, i)] = o.slice(i + 1)
  }
  return out
}

export async function createNetwork(req: CreateRequest): Promise<NetworkRecord> {
  validateName('network', req.name)
  if ((BUILTIN as readonly string[]).includes(req.name)) throw new UserError(`network name "${req.name}" is reserved; choose another name`)
  return (await factoryFor(req.driver)).create(req)
}

/**
 * The containers with an endpoint on `net`, from what the kernel side keeps: the address
 * leases (bridge, macvlan) and the cached CNI attachments. No container record is read.
 */
export async function endpointsOn(net: NetworkRecord): Promise<string[]> {
  const {SHIM_OWNER} = await import('./drivers/macvlan-network.js')
  const ids = [...(await leases(net.name)).values()].filter((o) => o !== SHIM_OWNER)
  ids.push(...(await (await import('./drivers/cni.js')).cniEndpoints(net.name)))
  return [...new Set(ids)]
}

/** An overlay this host has not joined: known only to the cluster store. */
export async function findOverlay(ref: string): Promise<NetworkRecord | undefined> {
  if (!process.env.MINIRUN_CLUSTER_STORE || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(ref)) return undefined
  return (await import('./drivers/overlay/manage.js')).clusterNetwork(ref)
}

/** `nameOf`: a container's name from its id, for the message. */
export async function removeNetwork(ref: string, nameOf: (id: string) => Promise<string | undefined> = async () => undefined): Promise<NetworkRecord> {
  const net = (await findNetwork(ref)) ?? (await findOverlay(ref))
  if (!net) throw new UserError(`network ${ref} not found (see minirun network ls)`)
  if ((BUILTIN as readonly string[]).includes(net.name)) throw new UserError(`${net.name} is a pre-defined network and cannot be removed`)
  return withLock(async () => {
    phase('network', `remove ${net.name}`)
    const users = await endpointsOn(net)
    if (users.length > 0) {
      const names = await Promise.all(users.map(async (id) => (await nameOf(id)) ?? id.slice(0, 12)))
      throw new UserError(`network ${net.name} has active endpoints (${names.join(', ')}); remove or disconnect them first`)
    }
    await (await factoryFor(net.driver)).remove(net)
    await releaseAll(net.name)
    if (net.driver === 'bridge') await (await import('./dns/resolver.js')).stopResolver(net.name, `network ${net.name} is removed`)
    await deleteNetworkRecord(net.name)
    return net
  })
}
