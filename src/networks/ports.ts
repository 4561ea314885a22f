import {UserError} from '../errors.js'
import {isIp} from './ipam/cidr.js'
import {byText} from '../util/compare.js'

// -p / -P: Docker's port-spec grammar, duplicate checks, and the three ways Docker shows
// published ports (inspect's NetworkSettings.Ports, `docker port`, the ps PORTS column). Pure.

export type Protocol = 'tcp' | 'udp'

export interface PortMapping {
  /** "0.0.0.0" = every host address */
  hostIp: string
  /** 0 = not chosen yet: the driver picks a free ephemeral port (`-p 80`, `-p IP::80`, -P) */
  hostPort: number
  containerPort: number
  protocol: Protocol
}

/** What `-p` parses to: a mapping whose hostPort may still be 0. */
export type PortSpec = PortMapping

export const ANY_IP = '0.0.0.0'

interface Range {
  start: number
  end: number
}

/**
 * One `-p` value → its mappings, one per port of a range:
 *   CTR | HOST:CTR | IP:HOST:CTR | IP::CTR, each with an optional /tcp or /udp,
 *   where HOST and CTR may be ranges of the same length (8000-8002:80-82).
 * A host range with a single container port (Docker's "pick one of these") is rejected.
 */
export function parsePublish(spec: string): PortSpec[] {
  const bad = (why: string): never => {
    throw new UserError(`invalid port spec "${spec}": ${why}`)
  }
  if (spec.trim() === '' || /\s/.test(spec)) bad('expected [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]')
  if (spec.includes('[')) bad('IPv6 host addresses are not supported; use an IPv4 address or leave it out')

  let rest = spec
  let protocol: Protocol = 'tcp'
  const slash = spec.lastIndexOf('/')
  if (slash !== -1) {
    const proto = spec.slice(slash + 1)
    rest = spec.slice(0, slash)
    if (proto === 'udp' || proto === 'tcp') protocol = proto
    else if (proto === '') bad('the protocol after "/" is missing; use /tcp or /udp')
    else bad(`protocol "${proto}" is not supported; use tcp or udp`)
  }

  const parts = rest.split(':')
  if (parts.length > 3) bad('too many colons; expected [IP:][HOSTPORT:]CONTAINERPORT')
  const [ipPart, hostPart, ctrPart] = parts.length === 3 ? parts : parts.length === 2 ? [ANY_IP, parts[0], parts[1]] : [ANY_IP, '', parts[0]]

  if (ipPart === '') bad('the host IP before ":" is empty; leave it out or give an IPv4 address')
  if (!isIp(ipPart)) bad(`"${ipPart}" is not a valid IPv4 host address`)
  if (ctrPart === '') bad('no container port given')
  const ctr = parseRange(ctrPart, 1, bad)
  const host = hostPart === '' ? undefined : parseRange(hostPart, 0, bad)

  const len = ctr.end - ctr.start
  if (host && host.start === 0 && host.end !== 0) bad('host port 0 cannot start a range')
  if (host && host.start !== 0 && host.end - host.start !== len) {
    if (len === 0) bad(`a host port range needs a container port range of the same length (e.g. ${hostPart}:${ctr.start}-${ctr.start + host.end - host.start})`)
    bad(`host range ${hostPart} and container range ${ctrPart} have different lengths`)
  }
  const out: PortSpec[] = []
  for (let i = 0; i <= len; i++) {
    const hostPort = !host || host.start === 0 ? 0 : host.start + i
    out.push({hostIp: ipPart, hostPort, containerPort: ctr.start + i, protocol})
  }
  return out
}

/** "80" or "8000-8002"; `min` is 1 for container ports, 0 for host ports (0 = pick one). */
function parseRange(text: string, min: number, bad: (why: string) => never): Range {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text)
  if (!m) bad(`"${text}" is not a port number or range (like 80 or 8000-8010)`)
  const start = Number(m![1])
  const end = m![2] === undefined ? start : Number(m![2])
  for (const p of [start, end]) if (p < min || p > 65535) bad(`port ${p} is out of range 1-65535`)
  if (end < start) bad(`range ${text} ends before it starts`)
  return {start, end}
}

/** Two mappings collide when protocol and host port match and the addresses overlap (0.0.0.0 overlaps all). */
export function collides(a: PortMapping, b: PortMapping): boolean {
  return a.protocol === b.protocol && a.hostPort !== 0 && a.hostPort === b.hostPort && (a.hostIp === b.hostIp || a.hostIp === ANY_IP || b.hostIp === ANY_IP)
}

/** The same host address/port/protocol published twice in one run → UserError. */
export function checkDuplicates(specs: PortSpec[]): void {
  for (let i = 0; i < specs.length; i++) {
    for (let j = i + 1; j < specs.length; j++) {
      const [a, b] = [specs[i], specs[j]]
      if (collides(a, b)) {
        throw new UserError(
          `host port ${b.hostIp}:${b.hostPort}/${b.protocol} is published twice (to container ports ${a.containerPort} and ${b.containerPort}); use one host port per mapping`,
        )
      }
    }
  }
}

/**
 * An image's `ExposedPorts` keys ("80/tcp", "53/udp", "8080" = tcp) → the ports -P publishes.
 * Keys that are not tcp/udp ports (e.g. "132/sctp") cannot be published and are skipped, so an
 * odd image config never stops a container from starting. Sorted, without duplicates.
 */
export function parseExposedPorts(keys: string[]): Array<{containerPort: number; protocol: Protocol}> {
  const out = new Map<string, {containerPort: number; protocol: Protocol}>()
  for (const key of keys) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/i.exec(key.trim())
    if (!m) continue
    const start = Number(m[1])
    const end = m[2] === undefined ? start : Number(m[2])
    const protocol = (m[3]?.toLowerCase() ?? 'tcp') as Protocol
    if (start < 1 || end > 65535 || end < start) continue
    for (let p = start; p <= end; p++) out.set(`${p}/${protocol}`, {containerPort: p, protocol})
  }
  return [...out.values()].sort((a, b) => a.containerPort - b.containerPort || byText(a.protocol, b.protocol))
}

export type DockerPortsView = Record<string, Array<{HostIp: string; HostPort: string}> | null>

/**
 * Docker's NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "18080"}]};
 * exposed-but-unpublished ports map to null. Keys in Go's map order (sorted as strings).
 */
export function dockerPortsView(mappings: PortMapping[], exposed: string[] = []): DockerPortsView {
  const view: DockerPortsView = {}
  for (const e of parseExposedPorts(exposed)) view[`${e.containerPort}/${e.protocol}`] = null
  for (const m of sortMappings(mappings)) {
    const key = `${m.containerPort}/${m.protocol}`
    const list = view[key] ?? []
    list.push({HostIp: m.hostIp, HostPort: m.hostPort === 0 ? '' : String(m.hostPort)})
    view[key] = list
  }
  const sorted: DockerPortsView = {}
  for (const k of Object.keys(view).sort()) sorted[k] = view[k]
  return sorted
}

/** `docker port` lines: "80/tcp -> 0.0.0.0:18080". */
export function formatPortLines(mappings: PortMapping[]): string[] {
  return sortMappings(mappings)
    .filter((m) => m.hostPort !== 0)
    .map((m) => `${m.containerPort}/${m.protocol} -> ${m.hostIp}:${m.hostPort}`)
}

/**
 * The ps PORTS column: "0.0.0.0:18080->80/tcp, 0.0.0.0:8000-8002->80-82/tcp".
 * Consecutive ports are shown as one range, as Docker does; an unpublished port as "80/tcp".
 */
export function formatPortsColumn(mappings: PortMapping[]): string {
  const groups: Array<{first: PortMapping; count: number}> = []
  for (const m of sortMappings(mappings)) {
    const g = groups[groups.length - 1]
    const continues =
      g && g.first.hostIp === m.hostIp && g.first.protocol === m.protocol && m.containerPort === g.first.containerPort + g.count &&
      ((g.first.hostPort === 0 && m.hostPort === 0) || (g.first.hostPort !== 0 && m.hostPort === g.first.hostPort + g.count))
    if (continues) g.count++
    else groups.push({first: m, count: 1})
  }
  return groups
    .map(({first: m, count}) => {
      const span = (start: number) => (count === 1 ? `${start}` : `${start}-${start + count - 1}`)
      const ctr = `${span(m.containerPort)}/${m.protocol}`
      return m.hostPort === 0 ? ctr : `${m.hostIp}:${span(m.hostPort)}->${ctr}`
    })
    .join(', ')
}

function sortMappings(mappings: PortMapping[]): PortMapping[] {
  return [...mappings].sort(
    (a, b) => byText(a.protocol, b.protocol) || a.containerPort - b.containerPort || byText(a.hostIp, b.hostIp) || a.hostPort - b.hostPort,
  )
}

/** A mapping as -p takes it: [IP:]HOSTPORT:CTRPORT/PROTO (pod inspect's Ports of a played pod). */
export function publishSpec(m: PortMapping): string {
  return `${m.hostIp === ANY_IP ? '' : `${m.hostIp}:`}${m.hostPort}:${m.containerPort}/${m.protocol}`
}
