import type {PortMapping} from '../networks/ports.js'
import type {CniResult} from './cni-result.js'

// What a CNI runtime (libcni, containerd, CRI-O) hands the plugin, checked, pure: the
// environment of the CNI 1.0 spec and the network configuration on stdin. Everything here is
// input from another program: names become kernel object names and paths, so they are checked
// as strictly as minirun's own flags.

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0']

/** The spec's well-known error codes this plugin uses (100 and up: its own). */
export const CODES = {incompatibleVersion: 1, unsupportedField: 2, unknownContainer: 3, invalidEnv: 4, ioFailure: 5, decodeFailure: 6, invalidConfig: 7, tryAgainLater: 11, failed: 100} as const

export class CniError extends Error {
  constructor(readonly code: number, message: string, readonly details = '') {
    super(message)
  }
}

export type Command = 'ADD' | 'DEL' | 'CHECK' | 'VERSION'

export interface PluginConfig {
  cniVersion: string
  /** the network's name: minirun's network record of that name, in the plugin's state dir */
  name: string
  bridge?: string
  subnet?: string
  gateway?: string
  /** where the network record, leases and endpoints live (default /var/lib/cni/minirun); its own nft table and ownership marks follow from it */
  stateDir?: string
  dns?: Record<string, unknown>
  ports: PortMapping[]
  /** runtimeConfig.ips: the address asked for */
  ip?: string
  /** runtimeConfig.mac */
  mac?: string
  prevResult?: CniResult
}

export interface PluginRequest {
  command: Command
  containerId: string
  netns: string
  ifname: string
  config: PluginConfig
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/
const IFNAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/
// the spec: letters, digits, _ . -, starting with a letter or digit
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/
const CIDR = /^[\d.]+\/\d{1,2}$/
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i

export function parseCommand(env: NodeJS.ProcessEnv): Command {
  const c = env.CNI_COMMAND
  if (c === 'ADD' || c === 'DEL' || c === 'CHECK' || c === 'VERSION') return c
  throw new CniError(CODES.invalidEnv, `CNI_COMMAND ${c === undefined ? 'is not set' : `"${c}" is not one of ADD, DEL, CHECK, VERSION`}`)
}

/** The environment and the stdin of one call, checked. VERSION is answered before this. */
export function parseRequest(command: Exclude<Command, 'VERSION'>, env: NodeJS.ProcessEnv, stdin: string): PluginRequest {
  const config = parseConfig(stdin)
  const containerId = env.CNI_CONTAINERID ?? ''
  if (!CONTAINER_ID.test(containerId)) throw new CniError(CODES.invalidEnv, `CNI_CONTAINERID ${containerId ? 'is not a valid container id' : 'is not set'}`)
  const ifname = env.CNI_IFNAME ?? ''
  if (!IFNAME.test(ifname)) throw new CniError(CODES.invalidEnv, `CNI_IFNAME ${ifname ? `"${ifname}" is not an interface name` : 'is not set'}`)
  const netns = env.CNI_NETNS ?? ''
  // DEL may come after the namespace is gone, with CNI_NETNS empty
  if (command !== 'DEL' && !netns.startsWith('/')) throw new CniError(CODES.invalidEnv, `CNI_NETNS ${netns ? 'is not an absolute path' : 'is not set'}`)
  if (command === 'CHECK' && !config.prevResult) throw new CniError(CODES.invalidConfig, 'CHECK needs prevResult (the cached result of ADD)')
  return {command, containerId, netns, ifname, config}
}

function parseJson(stdin: string): Record<string, unknown> {
  let json: unknown
  try {
    json = JSON.parse(stdin)
  } catch (error) {
    throw new CniError(CODES.decodeFailure, 'the network configuration on stdin is not JSON', (error as Error).message)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CniError(CODES.invalidConfig, 'the network configuration is not a JSON object')
  return json as Record<string, unknown>
}

/** The cniVersion a VERSION call asked about (it may have no other field). */
export function requestedVersion(stdin: string): string {
  const v = stdin.trim() ? parseJson(stdin).cniVersion : undefined
  return typeof v === 'string' ? v : '1.0.0'
}

const str = (o: Record<string, unknown>, k: string, re?: RegExp): string | undefined => {
  const v = o[k]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || (re && !re.test(v))) throw new CniError(CODES.invalidConfig, `network configuration: "${k}" is not valid (${JSON.stringify(v)})`)
  return v
}

export function parseConfig(stdin: string): PluginConfig {
  const o = parseJson(stdin)
  const cniVersion = str(o, 'cniVersion')
  if (!cniVersion) throw new CniError(CODES.invalidConfig, 'network configuration: cniVersion is missing')
  if (!SUPPORTED_VERSIONS.includes(cniVersion)) throw new CniError(CODES.incompatibleVersion, `cniVersion ${cniVersion} is not supported`, `supported: ${SUPPORTED_VERSIONS.join(', ')}`)
  const name = str(o, 'name', NAME)
  if (!name) throw new CniError(CODES.invalidConfig, 'network configuration: name is missing')
  const stateDir = str(o, 'stateDir')
  if (stateDir !== undefined && !stateDir.startsWith('/')) throw new CniError(CODES.invalidConfig, 'network configuration: stateDir must be an absolute path')
  const config: PluginConfig = {
    cniVersion,
    name,
    bridge: str(o, 'bridge', IFNAME),
    subnet: str(o, 'subnet', CIDR),
    gateway: str(o, 'gateway', IPV4),
    stateDir,
    ports: [],
  }
  if (o.dns !== undefined) {
    if (typeof o.dns !== 'object' || o.dns === null) throw new CniError(CODES.invalidConfig, 'network configuration: "dns" is not an object')
    config.dns = o.dns as Record<string, unknown>
  }
  if (o.prevResult !== undefined) {
    if (typeof o.prevResult !== 'object' || o.prevResult === null) throw new CniError(CODES.invalidConfig, 'network configuration: "prevResult" is not an object')
    config.prevResult = o.prevResult as CniResult
  }
  const rc = (o.runtimeConfig ?? {}) as Record<string, unknown>
  if (typeof rc !== 'object') throw new CniError(CODES.invalidConfig, 'network configuration: "runtimeConfig" is not an object')
  config.ports = portMappings(rc.portMappings)
  if (rc.ips !== undefined) {
    const ips = Array.isArray(rc.ips) ? rc.ips : []
    const v4 = ips.map((a) => String(a).replace(/\/\d+$/, '')).filter((a) => IPV4.test(a))
    if (ips.length === 0 || v4.length !== ips.length || v4.length > 1) throw new CniError(CODES.invalidConfig, 'runtimeConfig.ips: one IPv4 address is supported', JSON.stringify(rc.ips))
    config.ip = v4[0]
  }
  if (rc.mac !== undefined) {
    if (typeof rc.mac !== 'string' || !MAC.test(rc.mac)) throw new CniError(CODES.invalidConfig, 'runtimeConfig.mac is not a MAC address', JSON.stringify(rc.mac))
    config.mac = rc.mac.toLowerCase()
  }
  return config
}

/** runtimeConfig.portMappings (the portMappings capability) as minirun's -p. */
function portMappings(v: unknown): PortMapping[] {
  if (v === undefined) return []
  if (!Array.isArray(v)) throw new CniError(CODES.invalidConfig, 'runtimeConfig.portMappings is not a list')
  const port = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65_535
  return v.map((m: Record<string, unknown>) => {
    const protocol = String(m?.protocol ?? 'tcp').toLowerCase()
    const hostIP = m?.hostIP
    if (!port(m?.hostPort) || !port(m?.containerPort) || (protocol !== 'tcp' && protocol !== 'udp') || (hostIP !== undefined && hostIP !== '' && !IPV4.test(String(hostIP)))) {
      throw new CniError(CODES.invalidConfig, 'runtimeConfig.portMappings: each needs hostPort and containerPort (1-65535), protocol tcp or udp, an IPv4 hostIP', JSON.stringify(m))
    }
    return {hostIp: hostIP ? String(hostIP) : '0.0.0.0', hostPort: m.hostPort as number, containerPort: m.containerPort as number, protocol} as PortMapping
  })
}

/** The spec's error output: on stdout, with a non-zero exit. */
export function errorJson(cniVersion: string, e: CniError): string {
  return JSON.stringify({cniVersion, code: e.code, msg: e.message, ...(e.details ? {details: e.details} : {})})
}
