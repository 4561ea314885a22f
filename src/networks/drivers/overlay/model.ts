import {intToIp, ipToInt, isIp, overlaps, parseCidr, type Cidr} from '../../ipam/cidr.js'

// The overlay's cluster state in etcd, and the pure logic on it (no I/O here).
//
//   /minirun/networks/NAME            OverlayConfig (JSON)               written once, at network create
//   /minirun/vnis/VNI                 NAME                               the VNI's claim, in the same txn
//   /minirun/blocks/NAME/10.50.3.0    HOST                               a host's address block (host lease)
//   /minirun/hosts/NAME/HOST          HostEntry (JSON)                   this host is a peer (host lease)
//   /minirun/endpoints/NAME/ID        EndpointEntry (JSON)               one per container (host lease)
//
// Everything a host holds lives under its one lease: a host that dies loses all of it after the
// TTL, and the others see DELETE events and drop its forwarding entries and names.

export const ROOT = '/minirun/'
export const keys = {
  network: (name: string) => `${ROOT}networks/${name}`,
  networks: () => `${ROOT}networks/`,
  vni: (vni: number) => `${ROOT}vnis/${vni}`,
  vnis: () => `${ROOT}vnis/`,
  block: (net: string, block: string) => `${ROOT}blocks/${net}/${block}`,
  blocks: (net: string) => `${ROOT}blocks/${net}/`,
  host: (net: string, host: string) => `${ROOT}hosts/${net}/${host}`,
  hosts: (net?: string) => `${ROOT}hosts/${net ? `${net}/` : ''}`,
  endpoint: (net: string, id: string) => `${ROOT}endpoints/${net}/${id}`,
  endpoints: (net?: string) => `${ROOT}endpoints/${net ? `${net}/` : ''}`,
}

export interface OverlayConfig {
  id: string
  name: string
  subnet: string
  vni: number
  /** prefix length of each host's block, e.g. 24 out of a /16 */
  blockPrefix: number
  created: string
}

export interface HostEntry {
  host: string
  /** underlay address: where this host's VTEP listens */
  addr: string
  block: string
}

export interface EndpointEntry {
  id: string
  name: string
  ip: string
  mac: string
  host: string
  aliases: string[]
}

/** The network name and last path element of a key under hosts/, endpoints/ or blocks/. */
export function splitKey(key: string): {kind: string; net: string; leaf: string} | undefined {
  const m = /^\/minirun\/(hosts|endpoints|blocks)\/([^/]+)\/([^/]+)$/.exec(key)
  return m ? {kind: m[1], net: m[2], leaf: m[3]} : undefined
}

/** Parse JSON from the store defensively: another host wrote it, so anything may be there. */
export function parseEntry<T>(text: string, valid: (v: T) => boolean): T | undefined {
  try {
    const v = JSON.parse(text) as T
    return typeof v === 'object' && v !== null && valid(v) ? v : undefined
  } catch {
    return undefined
  }
}

// What reaches `bridge fdb` (an underlay address) or /etc/hosts (an address, names) must be exactly that.
const ip = (v: unknown) => typeof v === 'string' && isIp(v)
export const validHost = (h: HostEntry) => typeof h.host === 'string' && ip(h.addr) && ip(h.block)
export const validEndpoint = (e: EndpointEntry) =>
  typeof e.id === 'string' && typeof e.name === 'string' && ip(e.ip) && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(e.mac) && typeof e.host === 'string' && Array.isArray(e.aliases) && e.aliases.every((a) => typeof a === 'string')
export const validConfig = (c: OverlayConfig) => typeof c.name === 'string' && typeof c.subnet === 'string' && Number.isInteger(c.vni) && Number.isInteger(c.blockPrefix)

/** Block size: /24 blocks out of anything from /8 to /23; a /24 or smaller network gets /28 blocks (16 hosts of 16 addresses). */
export function defaultBlockPrefix(subnet: Cidr): number {
  return subnet.prefix <= 22 ? 24 : Math.min(30, subnet.prefix + 4)
}

/** The first block of `subnet` that nobody holds, or undefined when all are taken. */
export function pickBlock(subnet: Cidr, blockPrefix: number, taken: Set<string>): Cidr | undefined {
  const count = 2 ** (blockPrefix - subnet.prefix)
  const step = 2 ** (32 - blockPrefix)
  const start = ipToInt(subnet.network)
  for (let i = 0; i < count; i++) {
    const net = intToIp(start + i * step)
    if (!taken.has(net)) return parseCidr(`${net}/${blockPrefix}`, {anyPrefix: true})
  }
  return undefined
}

/** VNIs 4096 and up are left to minirun (flannel uses 1; small numbers are for people to pick). */
export function pickVni(taken: Set<number>): number {
  let vni = 4096
  while (taken.has(vni)) vni++
  return vni
}

export function checkVni(text: string): number {
  const vni = Number(text)
  if (!/^\d+$/.test(text) || vni < 1 || vni > 16_777_215) throw new Error(`vni ${text} is not between 1 and 16777215`)
  return vni
}

/** The flood entries a host wants on its VXLAN device: one per other peer. */
export function floodTargets(hosts: HostEntry[], self: string): string[] {
  return [...new Set(hosts.filter((h) => h.host !== self).map((h) => h.addr))].sort()
}

export {overlaps}
