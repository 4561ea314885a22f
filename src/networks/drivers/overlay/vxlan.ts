import {addOwnedLinkBatch, deleteMadeLink, deleteOwnedLink, ipBatch, linkState, ownsLink} from '../../../kernel/ip.js'
import type {Rollback} from '../../../kernel/rollback.js'
import {already, run} from '../../../kernel/runner.js'

// The tunnel end (VTEP) of one overlay network on this host: a VXLAN device enslaved to the
// network's bridge, and one all-zeros "flood" forwarding entry per other peer host.
//
// Why flood entries and learning rather than one static fdb + neighbour entry per remote
// container (libnetwork's way): the entries change only when a HOST joins or leaves, never when
// a container starts. A container started on a host that is already a peer is reachable from
// every other host at once — its first ARP is flooded to all peers and the answers teach each
// side's VXLAN device where that MAC lives — with no etcd round trip on the data path. The
// price is head-end replication of broadcasts to every peer, fine for the tens of hosts this is
// for. Learning trusts the underlay (as VXLAN itself does: it has no authentication).

export const VXLAN_PORT = 8472 // Linux's and flannel's default, not IANA's 4789
export const OVERLAY_MTU = 1450 // 1500 minus the 50 bytes of outer Ethernet + IPv4 + UDP + VXLAN headers
const FLOOD = '00:00:00:00:00:00'

export const vxlanName = (bridge: string) => bridge.replace(/^mro-/, 'mrv-')

export async function ensureVxlan(o: {name: string; bridge: string; vni: number; local: string; network: string}, rb: Rollback): Promise<void> {
  const link = await linkState(o.name)
  if (link) {
    if (!(await ownsLink(o.name))) throw new Error(`a link named ${o.name} exists and is not this minirun root's`)
    if (link.up) return already(`vxlan ${o.name} (VNI ${o.vni}) on ${o.bridge}`, 'made by an earlier container on this network')
    return ipBatch([`link set ${o.name} master ${o.bridge}`, `link set ${o.name} up`], {why: `the tunnel end of overlay ${o.network}, back on its bridge and up`})
  }
  rb.push('vxlan', () => deleteMadeLink(o.name))
  await addOwnedLinkBatch(
    o.name,
    `link add ${o.name} mtu ${OVERLAY_MTU} type vxlan id ${o.vni} dstport ${VXLAN_PORT} local ${o.local} learning`,
    [`link set ${o.name} master ${o.bridge}`, `link set ${o.name} up`],
    `the tunnel end of overlay ${o.network}: Ethernet frames for other hosts leave in UDP ${VXLAN_PORT} from ${o.local}, VNI ${o.vni} keeps networks apart`,
  )
}

export async function removeVxlan(name: string): Promise<void> {
  await deleteOwnedLink(name, 'the tunnel end of an overlay this host has left')
}

interface FdbEntry {
  mac: string
  dst?: string
}

async function fdb(dev: string): Promise<FdbEntry[]> {
  const r = await run(['bridge', '-j', 'fdb', 'show', 'dev', dev], {allowFail: true, quiet: true})
  return r.exitCode === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as FdbEntry[]) : []
}

/** The peer underlay addresses this VXLAN device floods to now. */
export async function floodEntries(dev: string): Promise<string[]> {
  return (await fdb(dev)).filter((e) => e.mac === FLOOD && e.dst).map((e) => e.dst!)
}

/**
 * Make the flood list exactly `targets`. A peer that left also loses what was learned about
 * it, so nothing is sent to a dead host's address once it is gone.
 */
export async function syncFlood(dev: string, targets: string[]): Promise<{added: string[]; removed: string[]}> {
  const entries = await fdb(dev)
  const have = new Set(entries.filter((e) => e.mac === FLOOD && e.dst).map((e) => e.dst!))
  const want = new Set(targets)
  const added = targets.filter((t) => !have.has(t))
  const removed = [...have].filter((h) => !want.has(h))
  for (const dst of added) {
    await run(['bridge', 'fdb', 'append', FLOOD, 'dev', dev, 'dst', dst], {allowFail: true, why: `flood broadcasts and unknown MACs of this overlay to peer host ${dst} too`})
  }
  for (const dst of removed) {
    await run(['bridge', 'fdb', 'del', FLOOD, 'dev', dev, 'dst', dst], {allowFail: true, why: `peer host ${dst} left the overlay`})
    for (const e of entries.filter((x) => x.dst === dst && x.mac !== FLOOD)) {
      await run(['bridge', 'fdb', 'del', e.mac, 'dev', dev, 'dst', dst], {allowFail: true, why: `forget ${e.mac}, learned behind ${dst}`})
    }
  }
  return {added, removed}
}

/** The tunnel of an overlay's bridge as the kernel has it, for `network diagram`. */
export async function readTunnel(network: string, bridge: string): Promise<{network: string; bridge: string; name: string; vni: number; local: string; remotes: string[]} | undefined> {
  const name = vxlanName(bridge)
  const r = await run(['ip', '-d', '-j', 'link', 'show', 'dev', name], {allowFail: true, quiet: true})
  if (r.exitCode !== 0) return undefined
  const info = (JSON.parse(r.stdout) as Array<{linkinfo?: {info_data?: {id?: number; local?: string}}}>)[0]?.linkinfo?.info_data
  return {network, bridge, name, vni: info?.id ?? 0, local: info?.local ?? '', remotes: (await floodEntries(name)).sort()}
}
