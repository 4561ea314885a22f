import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {ownerMark, paths} from '../state/paths.js'
import {helperOp} from './flock.js'
import {already, note, run, shellLine} from './runner.js'

// Read-only link/route probes and the few link operations shared by drivers.

interface IpLink {
  ifname: string
  ifindex: number
  link_index?: number
  master?: string
  linkinfo?: {info_kind?: string; info_slave_kind?: string}
  address?: string
  operstate?: string
  /** minirun's ownership mark on links it made (`ip link set X alias MARK`) */
  ifalias?: string
}

export async function links(netns?: string): Promise<IpLink[]> {
  const argv = ['ip', '-d', '-j', 'link', 'show']
  const res = await run(netns ? ['nsenter', `--net=${netns}`, '--', ...argv] : argv, {quiet: true})
  return JSON.parse(res.stdout.trim() || '[]') as IpLink[]
}

export async function linkExists(name: string): Promise<boolean> {
  return (await run(['ip', 'link', 'show', 'dev', name], {quiet: true, allowFail: true})).exitCode === 0
}

/** A link as `ip` sees it (any kind), or undefined when there is none of that name. */
export async function linkState(name: string): Promise<{kind?: string; alias?: string; up: boolean; addrs: string[]} | undefined> {
  // Asked of `ip`, not /sys: a sysfs mount shows the namespace that mounted it, not ours.
  const res = await run(['ip', '-d', '-j', 'addr', 'show', 'dev', name], {quiet: true, allowFail: true})
  const link = res.exitCode === 0 && res.stdout.trim() ? (JSON.parse(res.stdout) as Array<IpLink & {flags?: string[]; addr_info?: Array<{family: string; local: string; prefixlen: number}>}>)[0] : undefined
  if (!link) return undefined
  return {
    kind: link.linkinfo?.info_kind,
    alias: link.ifalias,
    up: link.flags?.includes('UP') ?? false,
    addrs: (link.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
  }
}

const madeRecord = (name: string) => path.join(paths.linksMade(), name)

/**
 * Make a link (`argv` is its `ip link add`) and mark it as this root's. The kernel ignores
 * IFLA_IFALIAS when it creates a link, so the mark is a second step; a record written before
 * the add covers a crash between the two: whoever finds the link unmarked with the record
 * completes the mark (adoptIfMade). Call under the store lock.
 */
export async function addOwnedLink(name: string, argv: string[], why?: string): Promise<void> {
  await fs.mkdir(paths.linksMade(), {recursive: true})
  await fs.writeFile(madeRecord(name), '')
  try {
    await run(argv, {why})
  } catch (error) {
    await fs.rm(madeRecord(name), {force: true}) // not made: a link of that name is someone else's
    throw error
  }
  await markOwned(name)
  await fs.rm(madeRecord(name), {force: true})
}

/**
 * Several `ip` commands in one process (`ip -batch -`), in `netns` when given: each spawn costs
 * more than the kernel work it asks for. ip stops at the first failing line.
 */
export async function ipBatch(lines: string[], opts: {netns?: string; why?: string} = {}): Promise<void> {
  const argv = ['ip', '-batch', '-']
  await run(opts.netns ? ['nsenter', `--net=${opts.netns}`, '--', ...argv] : argv, {input: lines.join('\n') + '\n', why: opts.why})
}

/**
 * A new endpoint inside its namespace: its address (broadcast the subnet's last), the link up and,
 * with a gateway, the default route through it. The lock helper does it by ioctl from inside the
 * namespace (no nsenter and ip to spawn); --explain prints the `ip -batch` it stands for, which
 * also runs when the helper cannot.
 */
export async function endpointUp(o: {netns: string; ifname: string; ip: string; prefix: number; gateway?: string; why: string}): Promise<void> {
  const lines = [`addr add ${o.ip}/${o.prefix} dev ${o.ifname} brd +`, `link set ${o.ifname} up`]
  if (o.gateway) lines.push(`route add default via ${o.gateway}`)
  if ((await helperOp('ifup', o.netns, o.ifname, o.ip, String(o.prefix), o.gateway ?? '-')) === '') {
    return note(shellLine(['nsenter', `--net=${o.netns}`, '--', 'ip', '-batch', '-'], lines.join('\n') + '\n'), o.why)
  }
  await ipBatch(lines, {netns: o.netns, why: o.why})
}

/**
 * A bridge endpoint's veth pair, host side: `name` stays on the host, marked, plugged into
 * `master` with hairpin on (a container reaching its own published port through the host comes
 * back out the same port) and up; `peer` (address `mac`) goes into the namespace at `netns`. The
 * lock helper makes it in rtnetlink messages, all or nothing (no `ip` to spawn); --explain prints
 * the `ip -batch` it stands for, which also runs when the helper cannot or fails (so that its
 * error, "File exists" above all, reads as ip's).
 */
export async function addOwnedVeth(o: {name: string; peer: string; mac: string; netns: string; master: string; mtu?: number; why: string}): Promise<void> {
  const mtu = o.mtu ? ` mtu ${o.mtu}` : ''
  const add = `link add ${o.name}${mtu} type veth peer name ${o.peer}${mtu} address ${o.mac} netns ${o.netns}`
  const more = [`link set ${o.name} master ${o.master}`, `link set ${o.name} type bridge_slave hairpin on`, `link set ${o.name} up`]
  // the record covers a crash between the pair and its mark (written synchronously: an empty
  // file in a directory of minirun's, three of them async cost more than the helper's request)
  fsSync.mkdirSync(paths.linksMade(), {recursive: true})
  fsSync.writeFileSync(madeRecord(o.name), '')
  if ((await helperOp('veth', o.name, o.peer, o.mac, o.netns, o.master, o.mtu ? String(o.mtu) : '-', ownerMark())) === '') {
    note(shellLine(['ip', '-batch', '-'], [add, `link set dev ${o.name} alias ${ownerMark()}`, ...more].join('\n') + '\n'), o.why)
    return fsSync.rmSync(madeRecord(o.name), {force: true})
  }
  await addOwnedLinkBatch(o.name, add, more, o.why)
}

/**
 * addOwnedLink in one `ip -batch`: `add` is the `link add` line (without `ip`), then the mark,
 * then `more` (enslave, addresses, up). The record written first covers a crash anywhere in it.
 */
export async function addOwnedLinkBatch(name: string, add: string, more: string[], why?: string): Promise<void> {
  await fs.mkdir(paths.linksMade(), {recursive: true})
  await fs.writeFile(madeRecord(name), '')
  try {
    await ipBatch([add, `link set dev ${name} alias ${ownerMark()}`, ...more], {why})
  } catch (error) {
    // The add itself failed (line 1): a link of that name is someone else's, not ours to adopt.
    // A later line failed: the link is ours, and the record lets the rollback or the next run adopt it.
    if (/Command failed -:1$/m.test((error as {stderr?: string}).stderr ?? '')) await fs.rm(madeRecord(name), {force: true})
    throw error
  }
  await fs.rm(madeRecord(name), {force: true})
}

/** Mark a link this run has just made (prefer addOwnedLink, which survives a crash in between). */
export async function markOwned(name: string): Promise<void> {
  await run(['ip', 'link', 'set', 'dev', name, 'alias', ownerMark()], {why: "mark it as this minirun root's: only marked links are reused or deleted"})
}

/** The link's facts, with the mark completed when a crash left it unmarked but recorded as made here. */
export async function adoptIfMade<T extends {alias?: string}>(name: string, link: T | undefined): Promise<T | undefined> {
  if (!link || link.alias === ownerMark()) return link
  if (!(await fs.stat(madeRecord(name)).catch(() => undefined))) return link
  // A veth goes when its namespace is freed (asynchronously, after the last umount): gone is not an error.
  if ((await run(['ip', 'link', 'set', 'dev', name, 'alias', ownerMark()], {allowFail: true, why: "mark it as this minirun root's: only marked links are reused or deleted"})).exitCode !== 0) {
    if (!(await linkExists(name))) return (await fs.rm(madeRecord(name), {force: true}), undefined)
    await markOwned(name) // fails again, with ip's own message
  }
  await fs.rm(madeRecord(name), {force: true})
  return {...link, alias: ownerMark()}
}

/** Records of links whose add never happened (a crash before it): nothing to adopt. */
export async function sweepMadeRecords(): Promise<void> {
  for (const name of await fs.readdir(paths.linksMade()).catch(() => [] as string[])) {
    if (!(await linkExists(name))) await fs.rm(madeRecord(name), {force: true})
  }
}

/** Whether `name` is a link this root made (it carries this root's mark). */
export async function ownsLink(name: string): Promise<boolean> {
  return (await adoptIfMade(name, await linkState(name)))?.alias === ownerMark()
}

/** Delete a link only if this root made it (idempotent). Anything else of that name is left alone. */
export async function deleteOwnedLink(name: string, why?: string): Promise<void> {
  if (!(await ownsLink(name))) return
  await run(['ip', 'link', 'del', 'dev', name], {allowFail: true, why})
}

/** Delete a link this very run has just made (a rollback step), marked yet or not. */
export async function deleteMadeLink(name: string, why?: string): Promise<void> {
  if (!(await linkExists(name))) return
  await run(['ip', 'link', 'del', 'dev', name], {allowFail: true, why})
}

/** One route as `ip -j route` prints it (the fields minirun reads). */
export interface IpRoute {
  dst: string
  dev?: string
  type?: string
  [k: string]: unknown
}

/** The host's IPv4 routes, all tables. */
export async function hostRoutes(): Promise<IpRoute[]> {
  const res = await run(['ip', '-j', '-4', 'route', 'show', 'table', 'all'], {quiet: true})
  return JSON.parse(res.stdout.trim() || '[]') as IpRoute[]
}

export async function setSysctl(key: string, value: string, why?: string): Promise<void> {
  const file = `/proc/sys/${key.replace(/\./g, '/')}`
  const cur = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (cur?.trim() === value) return already(`sysctl -qw ${key}=${value}`, why)
  // Written by Node, not sysctl(8): /proc/sys/net is the opening process's network namespace.
  note(`sysctl -qw ${key}=${value}`, why)
  await fs.writeFile(file, value)
}
