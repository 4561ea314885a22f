import {UserError} from '../../errors.js'
import {addOwnedLink, deleteMadeLink, deleteOwnedLink, linkExists, markOwned} from '../../kernel/ip.js'
import {run} from '../../kernel/runner.js'
import {contains, firstHost, parseCidr, parseIp} from '../ipam/cidr.js'
import {allocate, release} from '../ipam/leases.js'
import {checkSubnetFree} from './bridge.js'
import type {CreateRequest, NetworkFactory} from '../driver.js'
import {assertNameFree, networkId, writeNetwork, type NetworkRecord} from '../records.js'
import {withLock} from '../../state/lock.js'

// macvlan networks: containers sit directly on the parent's LAN with their own MAC.
// Made at `network create` (like Docker): the 802.1q sub-interface for parent=IFACE.VLAN, and
// with -o host_shim=true a host-side macvlan interface plus a route, because the kernel never
// delivers traffic between a macvlan parent and its own children.

const MODES = ['bridge', 'private', 'vepa', 'passthru']
const KNOWN = new Set(['parent', 'macvlan_mode', 'host_shim', 'ip-range'])
export const SHIM_OWNER = 'host-shim'

export const shimName = (id: string) => `mrs-${id.slice(0, 10)}`

async function prepareMacvlan(req: CreateRequest): Promise<NetworkRecord> {
  for (const k of Object.keys(req.options)) if (!KNOWN.has(k)) throw new UserError(`unknown macvlan option "${k}"; supported: parent, macvlan_mode, host_shim`)
  const parent = req.options.parent
  if (!parent) throw new UserError('a macvlan network needs a parent interface: -o parent=IFACE')
  const mode = req.options.macvlan_mode ?? 'bridge'
  if (!MODES.includes(mode)) throw new UserError(`invalid macvlan_mode "${mode}": use ${MODES.join(', ')}`)
  const shim = req.options.host_shim ?? 'false'
  if (!['true', 'false'].includes(shim)) throw new UserError(`invalid host_shim "${shim}": use true or false`)
  if (!req.subnet) throw new UserError('a macvlan network needs --subnet (the subnet of the parent\'s LAN)')
  const subnet = parseCidr(req.subnet)
  const gateway = req.gateway !== undefined ? parseIp(req.gateway) : firstHost(subnet)
  if (!contains(subnet, gateway)) throw new UserError(`gateway ${gateway} is not in subnet ${subnet.text}`)
  if (req.options['ip-range']) {
    const range = parseCidr(req.options['ip-range'])
    if (!contains(subnet, range.network) || range.prefix < subnet.prefix) throw new UserError(`--ip-range ${range.text} is not inside subnet ${subnet.text}`)
  }
  await checkSubnetFree(subnet, req.name, parent)

  const vlan = /^(.+)\.(\d{1,4})$/.exec(parent)
  const base = vlan ? vlan[1] : parent
  if (!(await linkExists(base))) throw new UserError(`parent interface ${base} does not exist; check the name with 'ip link'`)
  if (vlan && (Number(vlan[2]) < 1 || Number(vlan[2]) > 4094)) throw new UserError(`invalid VLAN id ${vlan[2]}: use 1-4094`)
  if (parent.length > 15) throw new UserError(`interface name ${parent} is longer than 15 characters`)

  const id = networkId(req.name)
  const rec: NetworkRecord = {id, name: req.name, driver: 'macvlan', subnet: subnet.text, gateway, options: {...req.options, parent, macvlan_mode: mode}, created: new Date().toISOString()}
  const made: string[] = []
  try {
    if (vlan && !(await linkExists(parent))) {
      const made8021q = await run(['ip', 'link', 'add', 'link', base, 'name', parent, 'type', 'vlan', 'id', vlan[2]], {why: `802.1q sub-interface for VLAN ${vlan[2]} on ${base}`, allowFail: true})
      if (made8021q.exitCode !== 0) {
        const unsupported = /Unknown device type|not supported/i.test(made8021q.stderr)
        throw new UserError(unsupported ? `this kernel has no 802.1q VLAN support (module 8021q), so parent=${parent} cannot be made; use a parent without .VLAN` : `cannot create VLAN interface ${parent}: ${made8021q.stderr.trim()}`)
      }
      made.push(parent)
      await markOwned(parent)
      await run(['ip', 'link', 'set', parent, 'up'])
      rec.options['minirun.created_vlan'] = 'true'
    }
    if (shim === 'true') {
      const name = shimName(id)
      const addr = await allocate(req.name, subnet, gateway, SHIM_OWNER)
      await addOwnedLink(name, ['ip', 'link', 'add', name, 'link', parent, 'type', 'macvlan', 'mode', 'bridge'], 'host shim: a macvlan interface of the host itself, so the host can reach its macvlan containers')
      made.push(name)
      await run(['ip', 'addr', 'add', `${addr}/32`, 'dev', name])
      await run(['ip', 'link', 'set', name, 'up'])
      await run(['ip', 'route', 'add', req.options['ip-range'] ?? subnet.text, 'dev', name], {why: 'reach the macvlan containers through the shim, not the parent'})
    }
  } catch (error) {
    for (const l of made.reverse()) await deleteMadeLink(l)
    await release(req.name, SHIM_OWNER)
    throw error
  }
  return rec
}

async function removeMacvlanNetwork(net: NetworkRecord): Promise<void> {
  await deleteOwnedLink(shimName(net.id), 'remove the host shim')
  await release(net.name, SHIM_OWNER)
  if (net.options['minirun.created_vlan'] === 'true') await deleteOwnedLink(net.options.parent, 'remove the VLAN sub-interface minirun created')
}

export const macvlanNetworks: NetworkFactory = {
  create: (req) =>
    withLock(async () => {
      await assertNameFree(req.name)
      const rec = await prepareMacvlan(req)
      await writeNetwork(rec)
      return rec
    }),
  remove: removeMacvlanNetwork,
}
