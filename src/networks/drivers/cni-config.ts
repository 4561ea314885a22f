import {z} from 'zod'
import {UserError} from '../../errors.js'
import type {PortMapping} from '../ports.js'

// CNI network configuration and results (the CNI 1.0 spec), pure: parsing a .conf/.conflist,
// the stdin a plugin gets, and reading an attachment out of a result. The plugins run in
// cni.ts. A configuration is input from a file: its plugin types name binaries, so they are
// plain names, never paths.

export const CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0']

const Plugin = z.object({type: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a plugin type is a binary name, not a path'), capabilities: z.record(z.boolean()).optional()}).passthrough()
const List = z.object({cniVersion: z.string(), name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).max(64), plugins: z.array(Plugin).min(1).max(16)}).passthrough()
const Single = z.object({cniVersion: z.string(), name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).max(64), type: z.string()}).passthrough()

export type CniPlugin = z.infer<typeof Plugin>
export interface CniConfigList {
  cniVersion: string
  name: string
  plugins: CniPlugin[]
}

/** A .conflist, or a single-plugin .conf made into a list of one (as libcni does). */
export function parseCniConfig(text: string, source: string): CniConfigList {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UserError(`CNI configuration ${source} is not JSON: ${(error as Error).message}`)
  }
  const isList = typeof json === 'object' && json !== null && 'plugins' in json
  const parsed = isList ? List.safeParse(json) : Single.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UserError(`CNI configuration ${source}: ${issue.path.join('.') || '(top)'}: ${issue.message}`)
  }
  const {cniVersion, name} = parsed.data
  if (!CNI_VERSIONS.includes(cniVersion)) throw new UserError(`CNI configuration ${source}: cniVersion ${cniVersion} is not supported; use one of ${CNI_VERSIONS.join(', ')}`)
  if (isList) return {cniVersion, name, plugins: (parsed.data as z.infer<typeof List>).plugins}
  const {cniVersion: _v, name: _n, ...plugin} = parsed.data as Record<string, unknown>
  const checked = Plugin.safeParse(plugin)
  if (!checked.success) throw new UserError(`CNI configuration ${source}: type: ${checked.error.issues[0].message}`)
  return {cniVersion, name, plugins: [checked.data]}
}

/** What minirun passes as capability arguments (`runtimeConfig`), if a plugin asks for them. */
export interface RuntimeConfig {
  portMappings?: Array<{hostPort: number; containerPort: number; protocol: string; hostIP?: string}>
  ips?: string[]
}

export function runtimeConfig(ports: PortMapping[], requestedIp?: string): RuntimeConfig {
  const rc: RuntimeConfig = {}
  if (ports.length > 0) rc.portMappings = ports.map((p) => ({hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, ...(p.hostIp && p.hostIp !== '0.0.0.0' ? {hostIP: p.hostIp} : {})}))
  if (requestedIp) rc.ips = [requestedIp]
  return rc
}

/** The JSON on a plugin's stdin: its own config, the list's name and version, prevResult, and the capability args it declared. */
export function pluginInput(list: CniConfigList, plugin: CniPlugin, prevResult: unknown, rc: RuntimeConfig): string {
  const runtime: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(rc)) if (plugin.capabilities?.[k]) runtime[k] = v
  const input: Record<string, unknown> = {...plugin, cniVersion: list.cniVersion, name: list.name}
  if (Object.keys(runtime).length > 0) input.runtimeConfig = runtime
  if (prevResult !== undefined) input.prevResult = prevResult
  return JSON.stringify(input)
}

/** Which capability args no plugin of the list takes (so they would be silently dropped). */
export function unsupportedCapabilities(list: CniConfigList, rc: RuntimeConfig): string[] {
  return Object.keys(rc).filter((k) => !list.plugins.some((p) => p.capabilities?.[k]))
}

const Result = z.object({
  interfaces: z.array(z.object({name: z.string(), mac: z.string().optional(), sandbox: z.string().optional()})).optional(),
  ips: z.array(z.object({address: z.string(), gateway: z.string().optional(), interface: z.number().optional()})).optional(),
}).passthrough()

export interface CniAttachment {
  ip: string
  prefixLen: number
  gateway: string
  mac: string
}

/** The container's address on `ifname` out of a (final) result. */
export function attachmentFromResult(result: unknown, ifname: string, plugin: string): CniAttachment {
  const r = Result.safeParse(result)
  if (!r.success) throw new UserError(`CNI plugin ${plugin} returned a result minirun cannot read: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`)
  const ifaces = r.data.interfaces ?? []
  const own = ifaces.findIndex((i) => i.name === ifname && i.sandbox)
  const ip = r.data.ips?.find((a) => a.interface === own) ?? r.data.ips?.find((a) => /^\d+\.\d+\.\d+\.\d+\//.test(a.address))
  if (!ip) throw new UserError(`CNI plugin ${plugin} gave ${ifname} no IPv4 address (does the list have an ipam section?)`)
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(ip.address)
  if (!m || Number(m[2]) > 32) throw new UserError(`CNI plugin ${plugin} gave ${ifname} an address minirun cannot read: ${ip.address}`)
  return {ip: m[1], prefixLen: Number(m[2]), gateway: ip.gateway ?? '', mac: (own >= 0 ? ifaces[own].mac : undefined) ?? ''}
}

/** A plugin's error, as the spec writes it on stdout ({code, msg, details}), in one line. */
export function pluginError(plugin: string, command: string, stdout: string, stderr: string, exitCode: number): string {
  let msg = ''
  try {
    const e = JSON.parse(stdout) as {code?: number; msg?: string; details?: string}
    msg = [e.msg, e.details].filter(Boolean).join(': ')
  } catch {
    // not JSON: what it printed
  }
  msg ||= (stderr || stdout).trim().split('\n')[0] || `exit code ${exitCode}`
  return `CNI plugin ${plugin} failed on ${command}: ${msg.replace(/\s*\n\s*/g, ' ')}`
}
