import {parseCidr, parseIp} from '../ipam/cidr.js'
import type {PortMapping, Protocol} from '../ports.js'

// nftables scripts (text for `nft -f -`) for minirun's OWN table, and a parser for what
// `nft -j list table ip <table>` prints. Pure: generating and parsing only, no spawning.
// Nothing here ever names another table: the host's own rules stay untouched.
//
// Table `ip minirun<TAG>`:
//   maps    pub_tcp / pub_udp            host port           → container ip . port  (-p HOST:CTR)
//           pub_addr_tcp / pub_addr_udp  host ip . host port → container ip . port  (-p IP:HOST:CTR)
//           Each element's comment is "c:<container id>", its owner (verified to work on nft 1.0.6),
//           so prune can find entries whose container is gone.
//   chains  prerouting (nat, dstnat) and output (nat, -100): the same four DNAT rules, which never
//           change as ports come and go — a lookup that misses a map makes its rule not match, so
//           packets fall through to the next rule (specific host address first, then any address).
//           `fib daddr type local` limits DNAT to packets addressed to the host itself, from
//           outside (prerouting) and from the host, including 127.0.0.1 (output).
//           postrouting (nat, srcnat): per-network rules with the comment "net:<network>", found
//           again by comment and deleted by handle.
//   filter  input (filter, hook input) and forward (filter, hook forward) + isolate: per-network
//           DROP rules only (see networkRulesScript). They never accept anything: an accept here
//           cannot override another table's drop (every base chain on a hook must accept), and a
//           drop here is final, which is all isolation needs. The host's own rules stay untouched.
//   owner   one rule whose comment is the ownership mark of the root that made the table (the
//           table's comment says the same for people, but nft 1.0.6's JSON leaves it out).
const PROTOS: readonly Protocol[] = ['tcp', 'udp']
const ANY_IP = '0.0.0.0'

export const tableName = (tag: string): string => `minirun${tag}`

/** The comment that marks a network's postrouting rules. */
export const networkComment = (name: string): string => `net:${name}`

const OWNER_PREFIX = 'c:'

/** Only harmless characters reach a script: names and ids are spliced into nft syntax. */
function safe(what: string, value: string): string {
  if (!/^[A-Za-z0-9_.:-]+$/.test(value)) throw new Error(`refusing to put ${what} "${value}" into an nft script`)
  return value
}

const table = (tag: string): string => `ip ${safe('table tag', tableName(tag))}`

/** The sets of per-port counters (PORT_COUNTS_tcp, PORT_COUNTS_udp): diagram/live.ts reads them. */
export const PORT_COUNTS = 'pub_count'

/** The owner chain's single rule: its comment is the mark (state/paths.ts ownerMarkOf). */
export const OWNER_CHAIN = 'owner'

function safeMark(mark: string): string {
  if (!/^minirun:[A-Za-z0-9_.:/-]+$/.test(mark) || mark.length > 128) throw new Error(`refusing to put owner mark "${mark}" into an nft script`)
  return mark
}

/**
 * minirun's table, its chains and maps, and the DNAT rules. Idempotent: `add table/chain/map`
 * accept existing objects, and the two DNAT chains are flushed and refilled in the same atomic
 * transaction. The maps (published ports) and postrouting (network rules) are left as they are.
 */
export function baseTableScript(tag: string, mark: string): string {
  const t = table(tag)
  const m = safeMark(mark)
  const lines = [
    `add table ${t} { comment "${m}"; }`,
    `add chain ${t} ${OWNER_CHAIN}`,
    `flush chain ${t} ${OWNER_CHAIN}`,
    `add rule ${t} ${OWNER_CHAIN} counter comment "${m}"`,
    `add chain ${t} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
    `add chain ${t} output { type nat hook output priority -100; policy accept; }`,
    `add chain ${t} postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
    `add chain ${t} input { type filter hook input priority filter; policy accept; }`,
    `add chain ${t} forward { type filter hook forward priority filter; policy accept; }`,
    `add chain ${t} isolate`,
  ]
  for (const p of PROTOS) {
    lines.push(`add map ${t} pub_${p} { type inet_service : ipv4_addr . inet_service; }`)
    lines.push(`add map ${t} pub_addr_${p} { type ipv4_addr . inet_service : ipv4_addr . inet_service; }`)
  }
  // Per published port packet/byte counts for the live diagram page: every packet of a DNATed
  // connection, both ways, counted once (arriving: prerouting; made by the host: output), in a
  // set keyed by the connection's original host port. Elements appear as traffic flows; no rule per port.
  for (const p of PROTOS) lines.push(`add set ${t} ${PORT_COUNTS}_${p} { type inet_service; flags dynamic,timeout; timeout 1h; size 65535; counter; }`)
  for (const [chain, hook] of [['count_in', 'prerouting'], ['count_out', 'output']]) {
    lines.push(`add chain ${t} ${chain} { type filter hook ${hook} priority filter; policy accept; }`, `flush chain ${t} ${chain}`)
    for (const p of PROTOS) lines.push(`add rule ${t} ${chain} ct status dnat meta l4proto ${p} update @${PORT_COUNTS}_${p} { ct original proto-dst }`)
  }
  for (const chain of ['prerouting', 'output']) {
    lines.push(`flush chain ${t} ${chain}`)
    for (const p of PROTOS) {
      lines.push(`add rule ${t} ${chain} fib daddr type local dnat ip to ip daddr . ${p} dport map @pub_addr_${p}`)
      lines.push(`add rule ${t} ${chain} fib daddr type local dnat ip to ${p} dport map @pub_${p}`)
    }
  }
  return lines.join('\n') + '\n'
}

export interface NetworkNat {
  name: string
  subnet: string
  bridge: string
  /** the gateway address a resolver answers on (user-defined networks, networks/dns/) */
  resolver?: string
}

/**
 * A network's rules, each with the comment `net:<name>`:
 *   postrouting: outbound MASQUERADE (leaving through anything but its bridge); hairpin (a
 *     container reaching a published port of its own subnet through the host address);
 *     127.0.0.1 → published port (loopback-sourced packets DNATed onto the bridge; the driver
 *     sets route_localnet=1 on the bridge for the kernel to route them at all).
 *   input: the route_localnet guard (CVE-2020-8558, kubelet's rule): route_localnet also lets a
 *     container send a crafted packet to 127.0.0.1 via the gateway's MAC and reach services the
 *     host binds to loopback. Drop what arrives on the bridge for 127.0.0.0/8 unless it belongs
 *     to a DNATed (published-port) or established connection.
 *   forward + isolate: Docker's DOCKER-ISOLATION stages. Stage 1 sends what leaves this bridge
 *     for another interface to `isolate`; stage 2 drops it there if it is going into any other
 *     minirun bridge. A published port (ct status dnat) stays reachable from every network.
 *   input (resolver): the network's DNS server on its gateway answers its own bridge (and the
 *     host) only: a container of another network asking it is dropped, as routing alone would
 *     deliver it (the address is the host's).
 * `existing` (from parseTable) makes it idempotent: rules of this network already present are
 * deleted by handle in the same transaction.
 */
export function networkRulesScript(tag: string, net: NetworkNat, existing: ParsedRule[] = []): string {
  const t = table(tag)
  const subnet = parseCidr(net.subnet).text
  const bridge = `"${safe('bridge name', net.bridge)}"`
  const c = `comment "${safe('network name', networkComment(net.name))}"`
  const lines = existing
    .filter((r) => r.comment === networkComment(net.name))
    .map((r) => `delete rule ${t} ${safe('chain', r.chain)} handle ${Number(r.handle)}`)
  lines.push(
    `add rule ${t} postrouting ip saddr ${subnet} oifname != ${bridge} masquerade ${c}`,
    `add rule ${t} postrouting ip saddr ${subnet} ip daddr ${subnet} ct status dnat masquerade ${c}`,
    `add rule ${t} postrouting ip saddr 127.0.0.0/8 oifname ${bridge} masquerade ${c}`,
    `add rule ${t} input iifname ${bridge} ip daddr 127.0.0.0/8 ct state & (established | related) == 0 ct status & dnat == 0 counter drop ${c}`,
    `add rule ${t} forward iifname ${bridge} oifname != ${bridge} jump isolate ${c}`,
    `add rule ${t} isolate oifname ${bridge} ct status & dnat == 0 counter drop ${c}`,
  )
  if (net.resolver) lines.push(`add rule ${t} input ip daddr ${parseIp(net.resolver)} meta l4proto { tcp, udp } th dport 53 iifname != { ${bridge}, "lo" } counter drop ${c}`)
  return lines.join('\n') + '\n'
}

/** Deletes a network's rules by handle (from parseTable). Empty when it has none. */
export function deleteNetworkRulesScript(tag: string, network: string, rules: ParsedRule[]): string {
  const t = table(tag)
  return rules
    .filter((r) => r.comment === networkComment(network))
    .map((r) => `delete rule ${t} ${safe('chain', r.chain)} handle ${Number(r.handle)}\n`)
    .join('')
}

export interface PortEntry {
  mapping: PortMapping
  containerIp: string
  /** container id: stored as the element's comment */
  owner: string
}

/** The map and key of a published port, as parseTable reports them ("18080", "127.0.0.1 . 18080"). */
export function elementOf(m: PortMapping): {map: string; key: string} {
  if (!Number.isInteger(m.hostPort) || m.hostPort < 1 || m.hostPort > 65535) {
    throw new Error(`host port ${m.hostPort} of ${m.containerPort}/${m.protocol} has not been chosen yet`)
  }
  if (!PROTOS.includes(m.protocol)) throw new Error(`unknown protocol ${m.protocol}`)
  return m.hostIp === ANY_IP
    ? {map: `pub_${m.protocol}`, key: String(m.hostPort)}
    : {map: `pub_addr_${m.protocol}`, key: `${parseIp(m.hostIp)} . ${m.hostPort}`}
}

/** One element per published port, all in one transaction: either all are added or none. */
export function addPortsScript(tag: string, entries: PortEntry[]): string {
  const t = table(tag)
  return entries
    .map((e) => {
      const {map, key} = elementOf(e.mapping)
      const owner = safe('owner', OWNER_PREFIX + e.owner)
      return `add element ${t} ${map} { ${key} comment "${owner}" : ${parseIp(e.containerIp)} . ${e.mapping.containerPort} }\n`
    })
    .join('')
}

/** Delete elements by map and key. nft 1.0.6 has no `destroy`: pass only elements that exist (see parseTable). */
export function deleteElementsScript(tag: string, elements: Array<{map: string; key: string}>): string {
  const t = table(tag)
  return elements.map((e) => `delete element ${t} ${safe('map', e.map)} { ${safeKey(e.key)} }\n`).join('')
}

/**
 * Forget the per-port counters of unpublished ports, so a later container on the same port
 * starts from zero. nft 1.0.6 has no `destroy`: adding first makes the delete succeed whether
 * or not traffic ever made the element.
 */
export function deleteCountersScript(tag: string, ports: Array<{hostPort: number; protocol: Protocol}>): string {
  const t = table(tag)
  const keys = new Set(ports.filter((p) => PROTOS.includes(p.protocol) && Number.isInteger(p.hostPort) && p.hostPort > 0 && p.hostPort < 65536).map((p) => `${PORT_COUNTS}_${p.protocol} { ${p.hostPort} }`))
  return [...keys].map((k) => `add element ${t} ${k}\ndelete element ${t} ${k}\n`).join('')
}

export function deletePortsScript(tag: string, entries: PortEntry[]): string {
  return deleteElementsScript(tag, entries.map((e) => elementOf(e.mapping)))
}

function safeKey(key: string): string {
  if (!/^(\d+|\d+\.\d+\.\d+\.\d+ \. \d+)$/.test(key)) throw new Error(`refusing to put map key "${key}" into an nft script`)
  return key
}

/** Removes the whole table; idempotent (declaring it first makes the delete succeed when it is absent). */
export function deleteTableScript(tag: string): string {
  const t = table(tag)
  return `add table ${t}\ndelete table ${t}\n`
}

export interface ParsedElement {
  map: string
  /** "18080" or "127.0.0.1 . 18080" */
  key: string
  /** "172.17.0.2 . 80" */
  value: string
  /** container id from the element's comment */
  owner?: string
  /** the published port this element is, when it is one of minirun's pub maps */
  entry?: PortEntry
}

export interface ParsedRule {
  chain: string
  handle: number
  comment?: string
}

export interface ParsedTable {
  /** the mark of the root that made the table (the comment of the owner chain's rule) */
  owner?: string
  chains: string[]
  maps: string[]
  elements: ParsedElement[]
  rules: ParsedRule[]
}

type Json = any // eslint-disable-line @typescript-eslint/no-explicit-any

/** nft JSON values: 80, "10.0.0.1", {"concat": [...]} → "10.0.0.1 . 80". */
const flat = (v: Json): string => (v && typeof v === 'object' && Array.isArray(v.concat) ? v.concat.map(flat).join(' . ') : String(v))

/** Parse `nft -j list table ip X` (the text or its JSON.parse). */
export function parseTable(json: Json): ParsedTable {
  const doc = typeof json === 'string' ? JSON.parse(json) : json
  const out: ParsedTable = {chains: [], maps: [], elements: [], rules: []}
  for (const item of doc?.nftables ?? []) {
    if (item.chain) out.chains.push(item.chain.name)
    if (item.map) {
      out.maps.push(item.map.name)
      for (const pair of item.map.elem ?? []) {
        if (!Array.isArray(pair)) continue
        const [k, v] = pair
        const wrapped = k && typeof k === 'object' && k.elem ? k.elem : undefined
        const comment: unknown = wrapped?.comment
        const el: ParsedElement = {map: item.map.name, key: flat(wrapped ? wrapped.val : k), value: flat(v)}
        if (typeof comment === 'string' && comment.startsWith(OWNER_PREFIX)) el.owner = comment.slice(OWNER_PREFIX.length)
        const entry = entryOf(el)
        if (entry) el.entry = entry
        out.elements.push(el)
      }
    }
    if (item.rule) {
      const r: ParsedRule = {chain: item.rule.chain, handle: Number(item.rule.handle)}
      if (typeof item.rule.comment === 'string') r.comment = item.rule.comment
      if (r.chain === OWNER_CHAIN) out.owner = r.comment
      else out.rules.push(r)
    }
  }
  return out
}

/**
 * `nft -j list maps ip` → the ports published in every minirun table of this namespace, each with
 * its table: this root's, and other roots' (the CNI plugin's state dir, another MINIRUN_ROOT),
 * whose DNAT takes the same host ports as ours while no socket is bound to show it.
 */
export function portsInTables(json: Json): Array<{table: string; entry: PortEntry}> {
  const doc = typeof json === 'string' ? JSON.parse(json) : json
  return (doc?.nftables ?? [])
    .filter((item: Json) => typeof item.map?.table === 'string' && /^minirun[a-z2-7]*$/.test(item.map.table))
    .flatMap((item: Json) => parseTable({nftables: [item]}).elements.flatMap((e) => (e.entry ? [{table: item.map.table as string, entry: e.entry}] : [])))
}

/** An element of a pub map back into the published port it stands for. */
function entryOf(el: ParsedElement): PortEntry | undefined {
  const m = /^pub_(addr_)?(tcp|udp)$/.exec(el.map)
  const value = /^(\d+\.\d+\.\d+\.\d+) \. (\d+)$/.exec(el.value)
  if (!m || !value) return undefined
  const key = m[1] ? /^(\d+\.\d+\.\d+\.\d+) \. (\d+)$/.exec(el.key) : /^()(\d+)$/.exec(el.key)
  if (!key) return undefined
  return {
    mapping: {hostIp: m[1] ? key[1] : ANY_IP, hostPort: Number(key[2]), containerPort: Number(value[2]), protocol: m[2] as Protocol},
    containerIp: value[1],
    owner: el.owner ?? '',
  }
}
