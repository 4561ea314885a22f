import path from 'node:path'
import {adoptIfMade, deleteOwnedLink, links, sweepMadeRecords} from '../kernel/ip.js'
import {listDir} from '../state/files.js'
import {ownerMark, rootDir} from '../state/paths.js'
import {SHIM_OWNER} from './drivers/macvlan-network.js'
import {removeBridgeIfUnused, removeOrphanBridges} from './drivers/bridge.js'
import {pruneDnat} from './firewall/prune.js'
import {leases, release} from './ipam/leases.js'
import {removeNetwork} from './manage.js'
import {BUILTIN, listNetworks} from './records.js'

// `network prune`: user-defined networks that no container (running or not) refers to; the
// caller says which are referred to. The default bridge, host and none always stay. Returns
// the names removed.
export async function pruneNetworks(used: Set<string>): Promise<string[]> {
  const removed: string[] = []
  for (const net of await listNetworks()) {
    // an overlay is the cluster's: this host only leaves it (system prune, overlay/prune.ts)
    if ((BUILTIN as readonly string[]).includes(net.name) || used.has(net.name) || net.driver === 'overlay') continue
    await removeNetwork(net.name)
    removed.push(net.name)
  }
  return removed
}

/**
 * `system prune`'s network pass: what containers that are gone still hold in the kernel and
 * in the leases (veth host ends, DNAT entries, addresses), then bridges no lease needs any
 * more (and with the last one, the nft table). `isLive(id)` answers for a container id or
 * prefix. Returns what was removed, for the report.
 */
export async function pruneNetworkState(isLive: (id: string) => boolean): Promise<string[]> {
  const out: string[] = []
  // Host ends of veth pairs: mr + 11 hex of the id + interface number, marked by this root
  // (another root's veths have the same shape and are not ours to judge).
  const orphans: string[] = []
  for (const l of await links()) {
    const m = /^mr([0-9a-f]{11})\d+$/.exec(l.ifname)
    if (m && (await adoptIfMade(l.ifname, {alias: l.ifalias}))?.alias === ownerMark() && !isLive(m[1])) orphans.push(l.ifname)
  }
  // a container's veths go with its namespace, which the kernel frees asynchronously after its
  // release: one removed a moment ago may still be listed, and is not an orphan
  for (let i = 0; i < 25 && orphans.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 20))
    const present = new Set((await links()).map((l) => l.ifname))
    orphans.splice(0, orphans.length, ...orphans.filter((o) => present.has(o)))
  }
  for (const name of orphans) {
    await deleteOwnedLink(name, 'orphaned veth: its container is gone')
    out.push(`veth ${name}`)
  }
  await sweepMadeRecords()
  out.push(...(await pruneDnat((owner) => !owner || !isLive(owner), 'orphaned DNAT entries: their containers are gone')))
  for (const net of await listNetworks()) {
    for (const [ip, owner] of await leases(net.name)) {
      if (owner !== SHIM_OWNER && !isLive(owner)) {
        await release(net.name, owner)
        out.push(`lease ${net.name}/${ip}`)
      }
    }
    if (net.bridge) await removeBridgeIfUnused(net)
  }
  out.push(...(await removeOrphanBridges()))
  // resolvers (dns/) whose network has no container left: a crash before their stop
  out.push(...(await (await import('./dns/resolver.js')).pruneResolvers()))
  return out
}

/**
 * Everything of the network a container whose record is unreadable may hold, found by its id
 * alone: veth host ends, DNAT entries, leases (by directory: the network's record may be the
 * unreadable one), then bridges no lease needs any more. Returns the networks it was on and
 * what was released.
 */
export async function releaseEndpointsOf(id: string): Promise<{networks: string[]; released: string[]}> {
  const released: string[] = []
  const networks: string[] = []
  for (const l of await links()) {
    if (l.ifname.startsWith(`mr${id.slice(0, 11)}`) && /^mr[0-9a-f]{11}\d+$/.test(l.ifname)) {
      await deleteOwnedLink(l.ifname, 'the veth of a container whose record is unreadable')
      released.push(`veth ${l.ifname}`)
    }
  }
  released.push(...(await pruneDnat((owner) => owner === id, 'DNAT entries of a container whose record is unreadable')))
  for (const net of await listDir(path.join(rootDir(), 'ipam'))) {
    const mine = [...(await leases(net))].filter(([, owner]) => owner === id)
    if (mine.length === 0) continue
    await release(net, id)
    networks.push(net)
    released.push(...mine.map(([ip]) => `lease ${net}/${ip}`))
  }
  for (const net of (await listNetworks()).filter((n) => networks.includes(n.name) && n.bridge)) await removeBridgeIfUnused(net)
  return {networks, released}
}
