import fs from 'node:fs/promises'
import {parseRoutesForOverlap, type Cidr, type IpRoute} from '../networks/cidr.js'
import {run} from './runner.js'

// Read-only link/route probes and the few link operations shared by drivers.

interface IpLink {
  ifname: string
  ifindex: number
  link_index?: number
  master?: string
  linkinfo?: {info_kind?: string; info_slave_kind?: string}
  address?: string
  operstate?: string
}

export async function links(netns?: string): Promise<IpLink[]> {
  const argv = ['ip', '-d', '-j', 'link', 'show']
  const res = await run(netns ? ['nsenter', `--net=${netns}`, '--', ...argv] : argv, {quiet: true})
  return JSON.parse(res.stdout.trim() || '[]') as IpLink[]
}

export async function linkExists(name: string): Promise<boolean> {
  return (await run(['ip', 'link', 'show', 'dev', name], {quiet: true, allowFail: true})).exitCode === 0
}

// Asked of `ip`, not /sys: a sysfs mount shows the namespace that mounted it, not ours.
export async function bridgeExists(name: string): Promise<boolean> {
  const res = await run(['ip', '-d', '-j', 'link', 'show', 'dev', name], {quiet: true, allowFail: true})
  if (res.exitCode !== 0 || !res.stdout.trim()) return false
  return (JSON.parse(res.stdout) as IpLink[])[0]?.linkinfo?.info_kind === 'bridge'
}

/** A bridge as `ip` sees it: whether it exists (as a bridge), is up, and its IPv4 addresses (a.b.c.d/p). */
export async function bridgeState(name: string): Promise<{exists: boolean; up: boolean; addrs: string[]}> {
  const res = await run(['ip', '-d', '-j', 'addr', 'show', 'dev', name], {quiet: true, allowFail: true})
  const link = res.exitCode === 0 && res.stdout.trim() ? (JSON.parse(res.stdout) as Array<IpLink & {flags?: string[]; addr_info?: Array<{family: string; local: string; prefixlen: number}>}>)[0] : undefined
  if (!link || link.linkinfo?.info_kind !== 'bridge') return {exists: false, up: false, addrs: []}
  return {
    exists: true,
    up: link.flags?.includes('UP') ?? false,
    addrs: (link.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
  }
}

/** Delete a link if it exists (idempotent teardown). */
export async function deleteLink(name: string, why?: string): Promise<void> {
  if (!(await linkExists(name))) return
  await run(['ip', 'link', 'del', name], {allowFail: true, why})
}

/** The host's IPv4 routes (all tables), except those through `ownDevs` (minirun's own bridges). */
export async function hostRoutes(ownDevs: Set<string>): Promise<Cidr[]> {
  const res = await run(['ip', '-j', '-4', 'route', 'show', 'table', 'all'], {quiet: true})
  return parseRoutesForOverlap(JSON.parse(res.stdout.trim() || '[]') as IpRoute[], ownDevs)
}

export async function setSysctl(key: string, value: string, why?: string): Promise<void> {
  const file = `/proc/sys/${key.replace(/\./g, '/')}`
  const cur = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (cur?.trim() === value) return
  await run(['sysctl', '-qw', `${key}=${value}`], {why})
}
