import type {NetworkAttachment} from '../networks/driver.js'

// The CNI result of an ADD (the spec's "Success" output), pure: a minirun attachment in CNI's
// words, merged after the result of the plugins before it in the list. Results of 0.3.x/0.4.0
// carry `version` on each address; 1.0.0 dropped it.

export interface CniInterface {
  name: string
  mac?: string
  sandbox?: string
}

export interface CniIp {
  address: string
  gateway?: string
  interface?: number
  version?: string
}

export interface CniResult {
  cniVersion: string
  interfaces?: CniInterface[]
  ips?: CniIp[]
  routes?: Array<{dst: string; gw?: string}>
  dns?: Record<string, unknown>
}

export interface ResultContext {
  cniVersion: string
  /** the bridge and the veth's host end, each with its MAC as the kernel reports it */
  bridge: CniInterface
  hostVeth: CniInterface
  netns: string
  /** the default route goes through the gateway (minirun adds it on eth0 only) */
  defaultRoute: boolean
  dns?: Record<string, unknown>
}

/** `prevResult` (from the plugins before this one), with this attachment's interfaces, address and route after it. */
export function cniResult(att: NetworkAttachment, ctx: ResultContext, prev?: CniResult): CniResult {
  const interfaces = [...(prev?.interfaces ?? [])]
  const base = interfaces.length
  interfaces.push(ctx.bridge, ctx.hostVeth, {name: att.ifname, mac: att.mac, sandbox: ctx.netns})
  const ip: CniIp = {address: `${att.ip}/${att.prefixLen}`, gateway: att.gateway, interface: base + 2}
  if (!ctx.cniVersion.startsWith('1.')) ip.version = '4'
  const routes = [...(prev?.routes ?? [])]
  if (ctx.defaultRoute) routes.push({dst: '0.0.0.0/0', gw: att.gateway})
  return {
    cniVersion: ctx.cniVersion,
    interfaces,
    ips: [...(prev?.ips ?? []), ip],
    ...(routes.length > 0 ? {routes} : {}),
    dns: {...prev?.dns, ...ctx.dns},
  }
}

/** The address `ifname` got in a result (CHECK compares the kernel with it), as "IP/PREFIX". */
export function addressIn(result: CniResult, ifname: string, netns: string): string | undefined {
  const idx = (result.interfaces ?? []).findIndex((i) => i.name === ifname && i.sandbox === netns)
  return (result.ips ?? []).find((a) => a.interface === idx)?.address
}
