import type {IpRoute} from '../../kernel/ip.js'
import {UserError} from '../../errors.js'

// IPv4 address and subnet arithmetic. Pure. Addresses are handled as unsigned 32-bit numbers;
// `>>> 0` after every bitwise operation keeps them unsigned (JS bit ops are signed 32-bit).

export interface Cidr {
  /** the network address, host bits cleared: "10.1.0.0" */
  network: string
  prefix: number
  /** canonical text: "10.1.0.0/24" */
  text: string
}

/** Prefix lengths a network may use: /31 and /32 leave no room for a gateway and a container. */
export const MIN_PREFIX = 8
export const MAX_PREFIX = 30

export function isIp(s: string): boolean {
  const parts = s.split('.')
  // No leading zeros: "010" is octal to some tools and decimal to others.
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)
}

/** Validated dotted IPv4 address. */
export function parseIp(s: string): string {
  if (!isIp(s)) throw new UserError(`invalid IP address "${s}": use a dotted IPv4 address like 10.1.0.5`)
  return s
}

export function ipToInt(ip: string): number {
  return parseIp(ip)
    .split('.')
    .reduce((acc, o) => acc * 256 + Number(o), 0)
}

export function intToIp(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not an IPv4 address: ${n}`)
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
}

const mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0)
const size = (c: Cidr): number => 2 ** (32 - c.prefix)

/**
 * "10.1.0.0/24" → Cidr, for subnets a network will use: prefix 8..30, no host bits.
 * `anyPrefix` accepts /0../32 and clears host bits silently: for reading the host's routes.
 */
export function parseCidr(s: string, opts: {anyPrefix?: boolean} = {}): Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s.trim())
  if (!m || !isIp(m[1])) throw new UserError(`invalid subnet "${s}": use CIDR notation like 10.1.0.0/24`)
  const prefix = Number(m[2])
  const [lo, hi] = opts.anyPrefix ? [0, 32] : [MIN_PREFIX, MAX_PREFIX]
  if (prefix < lo || prefix > hi) {
    throw new UserError(`invalid subnet "${s}": the prefix length must be between /${lo} and /${hi}`)
  }
  const given = ipToInt(m[1])
  const net = (given & mask(prefix)) >>> 0
  if (net !== given && !opts.anyPrefix) {
    throw new UserError(`invalid subnet "${s}": "${s}" has host bits set; did you mean ${intToIp(net)}/${prefix}?`)
  }
  return {network: intToIp(net), prefix, text: `${intToIp(net)}/${prefix}`}
}

export function contains(c: Cidr, ip: string): boolean {
  return ((ipToInt(ip) & mask(c.prefix)) >>> 0) === ipToInt(c.network)
}

/** Two subnets overlap when the shorter prefix's network contains the other's network. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const m = mask(Math.min(a.prefix, b.prefix))
  return ((ipToInt(a.network) & m) >>> 0) === ((ipToInt(b.network) & m) >>> 0)
}

/** Number of usable host addresses (network and broadcast excluded). */
export const hostCount = (c: Cidr): number => Math.max(0, size(c) - 2)
/** The first host: the default gateway, as Docker picks it. */
export const firstHost = (c: Cidr): string => intToIp(ipToInt(c.network) + 1)
export const lastHost = (c: Cidr): string => intToIp(ipToInt(c.network) + size(c) - 2)
export const broadcast = (c: Cidr): string => intToIp(ipToInt(c.network) + size(c) - 1)

export function findOverlap(subnet: Cidr, others: Cidr[]): Cidr | undefined {
  return others.find((o) => overlaps(subnet, o))
}

/** One entry of `ip -j -4 route show [table all]`. */

/**
 * The destinations of the host's routes that a new subnet must not overlap: everything but
 * `default` and routes through `ignoreDevs` (minirun's own bridges). Host routes ("1.2.3.4")
 * count as /32. Entries that are not plain IPv4 prefixes (multicast, broadcast/local table
 * entries of other types) are skipped.
 */
export function parseRoutesForOverlap(routes: IpRoute[], ignoreDevs: Set<string> = new Set()): Cidr[] {
  const out: Cidr[] = []
  const seen = new Set<string>()
  for (const r of routes) {
    if (!r || typeof r.dst !== 'string' || r.dst === 'default') continue
    if (r.type !== undefined && r.type !== 'unicast') continue
    if (r.dev && ignoreDevs.has(r.dev)) continue
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`
    let c: Cidr
    try {
      c = parseCidr(dst, {anyPrefix: true})
    } catch {
      continue
    }
    if (c.prefix === 0 || seen.has(c.text)) continue
    seen.add(c.text)
    out.push(c)
  }
  return out
}

/** Docker's default address pools: 172.17-31.0.0/16, then 192.168.0.0/16 cut into /20s. */
export const DEFAULT_POOL: string[] = [
  ...Array.from({length: 15}, (_, i) => `172.${17 + i}.0.0/16`),
  ...Array.from({length: 16}, (_, i) => `192.168.${i * 16}.0/20`),
]

/** The first pool entry that overlaps nothing taken (networks and host routes). */
export function pickFreeSubnet(pool: string[], taken: Cidr[]): Cidr | undefined {
  for (const p of pool) {
    const c = parseCidr(p)
    if (!findOverlap(c, taken)) return c
  }
  return undefined
}
