import {scanContainers} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import {run} from '../kernel/runner.js'
import {PORT_COUNTS, tableName} from '../networks/firewall/nft-script.js'
import {listNetworks} from '../networks/records.js'
import {instanceTag} from '../state/paths.js'
import type {Topology} from './model.js'

// What the live diagram page watches: when the topology changed (a cheap fingerprint, so the
// kernel is read again only then), and the traffic: byte/packet counters of the host-side links
// (/sys/class/net/*/statistics, read in the host namespace over netlink) and of the published ports (the nft
// sets of per-port counters in minirun's table, nft-script.ts). Read-only: nothing here changes
// the kernel or the store.

export interface Counter {
  bytes: number
  packets: number
}

/** Both directions, as the host side of the link sees them (rx: from the container). */
export interface LinkCounters {
  rx: Counter
  tx: Counter
}

/** Per second, from two readings. */
export interface Rate {
  bytes: number
  packets: number
}

/** The interfaces whose counters the page shows: each veth's host end, bridges, macvlan parents. */
export function watchedLinks(t: Topology): string[] {
  const names = [...t.bridges.map((b) => b.name), ...t.parents.map((p) => p.name), ...t.links.map((l) => l.hostIf)]
  return [...new Set(names.filter(Boolean))]
}

/**
 * `ip -s -j link show` → counters by interface name, for the names asked. These are the
 * counters of /sys/class/net/IF/statistics, read over netlink: they are the namespace's own even
 * where /sys was mounted for another namespace (a test host made by `unshare --net --mount`).
 */
export function parseLinkCounters(json: string, names: string[]): Record<string, LinkCounters> {
  const want = new Set(names)
  const out: Record<string, LinkCounters> = {}
  for (const l of JSON.parse(json.trim() || '[]') as Array<{ifname?: string; stats64?: {rx?: Counter; tx?: Counter}}>) {
    if (!l.ifname || !want.has(l.ifname) || !l.stats64?.rx || !l.stats64.tx) continue
    const c = (x: Counter) => ({bytes: Number(x.bytes) || 0, packets: Number(x.packets) || 0})
    out[l.ifname] = {rx: c(l.stats64.rx), tx: c(l.stats64.tx)}
  }
  return out
}

/** Counters of host-side links (one `ip` call); an interface that vanished is left out. */
export async function readLinkCounters(names: string[]): Promise<Record<string, LinkCounters>> {
  if (names.length === 0) return {}
  const res = await run(['ip', '-s', '-j', 'link', 'show'], {quiet: true, allowFail: true})
  return res.exitCode === 0 ? parseLinkCounters(res.stdout, names) : {}
}

/** `nft -j list set …` of a per-port counter set → {"18080/tcp": {packets, bytes}}. */
export function parsePortCounts(json: unknown, protocol: string): Record<string, Counter> {
  const out: Record<string, Counter> = {}
  const doc = (typeof json === 'string' ? JSON.parse(json) : json) as {nftables?: Array<{set?: {elem?: unknown[]}}>}
  for (const item of doc?.nftables ?? []) {
    for (const e of item.set?.elem ?? []) {
      const elem = (e as {elem?: {val?: unknown; counter?: {packets?: number; bytes?: number}}})?.elem
      if (!elem || typeof elem.val !== 'number' || !elem.counter) continue
      out[`${elem.val}/${protocol}`] = {packets: Number(elem.counter.packets) || 0, bytes: Number(elem.counter.bytes) || 0}
    }
  }
  return out
}

/** Per published port counters; empty for a protocol whose set is absent (a table made before they existed). */
export async function readPortCounts(protocols: string[]): Promise<Record<string, Counter>> {
  const parts = await Promise.all(
    protocols
      .filter((p) => p === 'tcp' || p === 'udp')
      .map(async (p) => {
        const res = await run(['nft', '-j', 'list', 'set', 'ip', tableName(instanceTag()), `${PORT_COUNTS}_${p}`], {quiet: true, allowFail: true})
        return res.exitCode === 0 ? parsePortCounts(res.stdout, p) : {}
      }),
  )
  return Object.assign({}, ...parts)
}

/** Per-second rates between two readings of the same counters; a counter that went back (a new link of the same name) starts again. */
export function ratesOf(prev: Record<string, Counter> | undefined, cur: Record<string, Counter>, ms: number): Record<string, Rate> {
  const out: Record<string, Rate> = {}
  for (const k of Object.keys(cur)) {
    const a = prev?.[k]
    const b = cur[k]
    const d = (x: number, y: number) => (y >= x && ms > 0 ? ((y - x) * 1000) / ms : 0)
    out[k] = a ? {bytes: d(a.bytes, b.bytes), packets: d(a.packets, b.packets)} : {bytes: 0, packets: 0}
  }
  return out
}

/**
 * What the topology depends on, cheaply (files only, no process): network records, and each
 * container's state, networks and ports. When it changes the kernel is read again (readTopology).
 */
export async function fingerprint(): Promise<string> {
  // scanContainers, not listContainers: a corrupt record is not warned about three times a second
  const [nets, scan] = await Promise.all([listNetworks(), scanContainers()])
  return JSON.stringify([
    nets.map((n) => n.name).sort(),
    scan.records.map((c) => [c.id, liveStatus(c), c.networks, c.hostConfig.ports, c.hostConfig.networkMode, c.hostConfig.pod ?? '', c.netnsOwner ?? '']),
  ])
}
