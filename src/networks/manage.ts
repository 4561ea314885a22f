import fs from 'node:fs/promises'
import {UserError} from '../errors.js'
import {withLock} from '../state/lock.js'
import {assertBridgeUsable, checkSubnetFree, ensureDefaultBridge, makeBridgeNow, removeBridgeIfUnused, takenSubnets} from './bridge.js'
import {phase} from '../kernel/runner.js'
import {contains, DEFAULT_POOL, firstHost, parseCidr, parseIp, pickFreeSubnet} from './cidr.js'
import {releaseAll} from './ipam.js'
import {validateName} from './names.js'
import {listContainers} from '../containers/find.js'
import {BUILTIN, findNetwork, listNetworks, networkId, readNetwork, writeNetwork, deleteNetworkRecord, type NetworkRecord} from './records.js'

// network create / rm: records and validation. A bridge network's kernel objects are made at
// create (as Docker does) and removed at rm (bridge.ts).

export interface CreateRequest {
  name: string
  driver: string
  subnet?: string
  gateway?: string
  options: Record<string, string>
}

const IFNAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/

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
  if (req.driver !== 'bridge' && req.driver !== 'macvlan' && req.driver !== 'cni') {
    throw new UserError(`unknown network driver "${req.driver}": use bridge, macvlan or cni`)
  }
  if (req.driver === 'cni') return createCniNetwork(req)
  if (req.driver === 'macvlan') {
    const {prepareMacvlan} = await import('./macvlan-config.js')
    return withLock(async () => {
      await assertNameFree(req.name)
      const rec = await prepareMacvlan(req)
      await writeNetwork(rec)
      return rec
    })
  }
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
}

/** -d cni --opt config=FILE: the list is read and checked now and kept in the record. */
async function createCniNetwork(req: CreateRequest): Promise<NetworkRecord> {
  const file = req.options.config
  if (!file || Object.keys(req.options).some((k) => k !== 'config')) throw new UserError('-d cni takes one option: --opt config=FILE (a .conflist or .conf)')
  if (req.subnet || req.gateway) throw new UserError('-d cni: the subnet comes from the configuration\'s ipam section, not --subnet/--gateway')
  const {parseCniConfig} = await import('./cni-config.js')
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read CNI configuration ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  })
  const cni = parseCniConfig(text, file)
  return withLock(async () => {
    await assertNameFree(req.name)
    const rec: NetworkRecord = {id: networkId(req.name), name: req.name, driver: 'cni', cni, options: req.options, created: new Date().toISOString()}
    await writeNetwork(rec)
    return rec
  })
}

async function assertNameFree(name: string): Promise<void> {
  if (await readNetwork(name)) throw new UserError(`network with name ${name} already exists; remove it first (minirun network rm ${name})`)
}

export async function removeNetwork(ref: string): Promise<NetworkRecord> {
  const net = await findNetwork(ref)
  if (!net) throw new UserError(`network ${ref} not found (see minirun network ls)`)
  if ((BUILTIN as readonly string[]).includes(net.name)) throw new UserError(`${net.name} is a pre-defined network and cannot be removed`)
  return withLock(async () => {
    phase('network', `remove ${net.name}`)
    const users = (await listContainers()).filter((c) => c.networks[net.name] && !c.netnsOwner)
    if (users.length > 0) {
      throw new UserError(`network ${net.name} has active endpoints (${users.map((u) => u.name).join(', ')}); remove or disconnect them first`)
    }
    if (net.driver === 'bridge') await removeBridgeIfUnused(net)
    if (net.driver === 'macvlan') {
      const {removeMacvlanNetwork} = await import('./macvlan-config.js')
      await removeMacvlanNetwork(net)
    }
    await releaseAll(net.name)
    await deleteNetworkRecord(net.name)
    return net
  })
}
