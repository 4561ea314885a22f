import {UserError} from '../../errors.js'
import {withLock} from '../../state/lock.js'
import type {NetworkFactory} from '../driver.js'
import {hasResolver, networkDomain} from '../dns/config.js'
import {contains, DEFAULT_POOL, firstHost, parseCidr, parseIp, pickFreeSubnet} from '../ipam/cidr.js'
import {assertNameFree, deleteNetworkRecord, listNetworks, networkId, writeNetwork, type NetworkRecord} from '../records.js'
import {assertBridgeUsable, checkSubnetFree, ensureDefaultBridge, makeBridgeNow, removeBridgeIfUnused, takenSubnets} from './bridge.js'

// Bridge networks: the record, a free subnet, and the bridge with its rules made at create
// (as Docker does), removed at rm.

const IFNAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/

/**
 * Two networks answering one DNS zone (my_net and my-net, Web and web) would mix their names, and
 * one zone inside another (web.b inside b) would hide the full name of container web on b.
 */
async function assertZoneFree(name: string): Promise<void> {
  const zone = networkDomain(name)
  const nested = (a: string, b: string) => a === b || a.endsWith(`.${b}`)
  const twin = (await listNetworks()).find((n) => hasResolver(n) && (nested(zone, networkDomain(n.name)) || nested(networkDomain(n.name), zone)))
  if (twin) throw new UserError(`network ${name} would answer names under ${zone}, which meets network ${twin.name}'s ${networkDomain(twin.name)}; choose another name`)
}

export const bridgeNetworks: NetworkFactory = {
  async create(req) {
    const known = new Set(['com.docker.network.bridge.name'])
    for (const k of Object.keys(req.options)) if (!known.has(k)) throw new UserError(`unknown bridge option "${k}"; supported: ${[...known].join(', ')}`)
    const bridgeName = req.options['com.docker.network.bridge.name']
    if (bridgeName !== undefined && !IFNAME.test(bridgeName)) {
      throw new UserError(`invalid bridge name "${bridgeName}": at most 15 characters of [a-zA-Z0-9_.-]`)
    }
    const requested = req.subnet !== undefined ? parseCidr(req.subnet) : undefined
    if (req.gateway !== undefined && !requested) throw new UserError('--gateway needs --subnet')
    // The default bridge always exists for Docker (docker0): give it its subnet now, so a new
    // network cannot take an overlapping one before the first container arrives.
    await ensureDefaultBridge()
    return withLock(async () => {
      await assertNameFree(req.name)
      await assertZoneFree(req.name)
      let subnet = requested
      if (subnet) await checkSubnetFree(subnet, req.name)
      else subnet = pickFreeSubnet(DEFAULT_POOL, await takenSubnets())
      if (!subnet) throw new UserError('no free subnet left in the default pools; give one with --subnet')
      const gateway = req.gateway !== undefined ? parseIp(req.gateway) : firstHost(subnet)
      if (!contains(subnet, gateway)) throw new UserError(`gateway ${gateway} is not in subnet ${subnet.text}`)
      const id = networkId(req.name)
      const bridge = bridgeName ?? `mrb-${id.slice(0, 10)}`
      if (bridgeName) {
        const clash = (await listNetworks()).find((n) => n.bridge === bridgeName)
        if (clash) throw new UserError(`bridge name ${bridgeName} is already used by network ${clash.name}`)
        await assertBridgeUsable(bridgeName)
      }
      const rec: NetworkRecord = {id, name: req.name, driver: 'bridge', subnet: subnet.text, gateway, bridge, options: req.options, created: new Date().toISOString()}
      await writeNetwork(rec)
      try {
        await makeBridgeNow(rec)
      } catch (error) {
        await deleteNetworkRecord(rec.name)
        throw error
      }
      return rec
    })
  },
  remove: (net) => removeBridgeIfUnused(net),
}
