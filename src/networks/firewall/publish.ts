import {randomInt} from 'node:crypto'
import {UserError} from '../../errors.js'
import {applyNft, publishedInTables, readTable} from './nft.js'
import {probePort} from '../../kernel/portprobe.js'
import type {Rollback} from '../../kernel/rollback.js'
import {instanceTag} from '../../state/paths.js'
import {addPortsScript, deleteCountersScript, deleteElementsScript, elementOf, tableName} from './nft-script.js'
import type {EndpointRequest} from '../driver.js'
import type {PortMapping} from '../ports.js'

// -p: host ports → container IP:port, one nft map element per published port (the rules that
// use the maps never change). Called under the store lock, so checks and adds are atomic.

const EPHEMERAL = [32768, 60999] as const

const clash = (a: PortMapping, b: PortMapping) =>
  a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0')

/**
 * Ports other containers publish, read from the kernel's maps (each element names its owner),
 * this root's and other roots' (`root`: their table), in one read of every table's maps. The
 * caller's driver has checked that this root's table is its own (ensureBridge, same lock).
 */
async function publishedByOthers(containerId: string): Promise<Array<{owner: string; port: PortMapping; root?: string}>> {
  const own = tableName(instanceTag())
  return (await publishedInTables())
    .filter((o) => o.table !== own || o.entry.owner !== containerId)
    .map((o) => ({owner: o.entry.owner, port: o.entry.mapping, ...(o.table === own ? {} : {root: o.table})}))
}

/** Choose host ports for -P / `-p CTR`, check the others are free, and add the DNAT entries. */
export async function publishPorts(ep: Pick<EndpointRequest, 'containerId' | 'ports' | 'nameOf'>, containerIp: string, rb: Rollback): Promise<void> {
  const {containerId, ports} = ep
  for (const ip of new Set(ports.map((p) => p.hostIp))) {
    if (ip !== '0.0.0.0' && (await probePort(ip, 0, 'tcp')) === 'no-address') {
      throw new UserError(`host address ${ip} is not an address of this host (cannot assign requested address); publish on one of its addresses (ip -4 addr) or leave the address out`)
    }
  }
  const others = await publishedByOthers(containerId)
  const taken = (p: PortMapping) => others.find((o) => clash(o.port, p)) ?? ports.find((q) => q !== p && q.hostPort !== 0 && clash(q, p))
  for (const p of ports) {
    if (p.hostPort !== 0) continue
    for (let i = 0; ; i++) {
      if (i > 200) throw new UserError('no free host port found for -P; publish explicitly with -p HOSTPORT:CTRPORT')
      const candidate = {...p, hostPort: randomInt(EPHEMERAL[0], EPHEMERAL[1] + 1)}
      if (!taken(candidate) && (await probePort(p.hostIp, candidate.hostPort, p.protocol)) === 'free') {
        p.hostPort = candidate.hostPort
        break
      }
    }
  }
  for (const p of ports) {
    const other = others.find((o) => clash(o.port, p))
    if (other) {
      if (other.root) throw new UserError(`host port ${p.hostIp}:${p.hostPort}/${p.protocol} is already published by another minirun root (nft table ${other.root}, e.g. the CNI plugin's); choose another host port`)
      const name = (await ep.nameOf?.(other.owner).catch(() => undefined)) ?? other.owner.slice(0, 12)
      throw new UserError(`host port ${p.hostIp}:${p.hostPort}/${p.protocol} is already published by container ${name}; choose another host port`)
    }
    if ((await probePort(p.hostIp, p.hostPort, p.protocol)) !== 'free') {
      throw new UserError(`host port ${p.hostIp}:${p.hostPort}/${p.protocol} is already in use by a process on the host; choose another host port`)
    }
  }
  const tag = instanceTag()
  const entries = ports.map((mapping) => ({mapping, containerIp, owner: containerId}))
  rb.push('published ports', () => unpublishPorts(containerId, ports))
  await applyNft(addPortsScript(tag, entries), `publish ${ports.map((p) => `${p.hostPort}/${p.protocol}`).join(', ')}: DNAT to ${containerIp}`)
}

/** Remove this container's DNAT entries that are still in the maps (idempotent). */
export async function unpublishPorts(containerId: string, ports: PortMapping[]): Promise<void> {
  const tag = instanceTag()
  const table = await readTable(tag)
  if (!table) return
  const wanted = ports.map(elementOf)
  const present = table.elements.filter((e) => e.owner === containerId || (wanted.some((w) => w.map === e.map && w.key === e.key) && !e.owner))
  if (present.length === 0) return
  // and their traffic counters (tables made before the counters existed have no count_in), unless another entry still uses the port
  const gone = present.flatMap((e) => (e.entry ? [e.entry.mapping] : []))
  const kept = table.elements.filter((e) => e.entry && !present.includes(e)).map((e) => e.entry!.mapping)
  const counters = table.chains.includes('count_in') ? deleteCountersScript(tag, gone.filter((g) => !kept.some((k) => k.hostPort === g.hostPort && k.protocol === g.protocol))) : ''
  await applyNft(deleteElementsScript(tag, present) + counters, 'unpublish: remove the DNAT entries and their counters')
}
