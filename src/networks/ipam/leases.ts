import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../../errors.js'
import {listDir} from '../../state/files.js'
import {paths} from '../../state/paths.js'
import {broadcast, contains, intToIp, ipToInt, isIp, type Cidr} from './cidr.js'

// Address allocation, persisted host-local style (like containernetworking's host-local IPAM):
// one file per leased address, `${paths.ipam(network)}/${ip}`, holding its owner (container id).
// Leases survive crashes and can be inspected with `ls`; an address is free when its file is not there.
//
// Callers hold withLock() (state/lock.ts) around allocate/release/releaseAll: the lock makes
// "read the leases, pick one, write it" atomic. O_EXCL on the lease file is a second guard, so
// even without the lock an address can never be leased twice.

/**
 * Pure: the address to lease on `network` (its name only appears in messages).
 * Skips the network address, the gateway, the broadcast address and `used`; lowest free first.
 * `requested` (--ip) must be inside the subnet, not reserved, not used.
 * `range` (--ip-range) narrows where dynamic addresses come from; a requested one may be anywhere in the subnet.
 * `skip`: more addresses dynamic picks pass over (an overlay block's first address).
 */
export function pickAddress(network: string, subnet: Cidr, gateway: string, used: Set<string>, requested?: string, range?: Cidr, skip: string[] = []): string {
  const reserved = new Set([subnet.network, gateway, broadcast(subnet)])
  if (requested !== undefined) {
    if (!isIp(requested)) throw new UserError(`--ip ${requested} is not a valid IPv4 address; use dotted form like ${intToIp(ipToInt(subnet.network) + 2)}`)
    if (!contains(subnet, requested)) throw new UserError(`address ${requested} is not in network ${network}'s subnet ${subnet.text}`)
    if (requested === gateway) throw new UserError(`address ${requested} is the gateway of network ${network}; choose another --ip`)
    if (reserved.has(requested)) throw new UserError(`address ${requested} is the network or broadcast address of ${subnet.text}; choose another --ip`)
    if (used.has(requested)) throw new UserError(`address ${requested} is already in use on network ${network}`)
    return requested
  }
  const from = range ?? subnet
  for (const ip of skip) reserved.add(ip)
  const start = ipToInt(from.network)
  const count = 2 ** (32 - from.prefix)
  for (let i = 0; i < count; i++) {
    const ip = intToIp(start + i)
    if (!reserved.has(ip) && !used.has(ip) && contains(subnet, ip)) return ip
  }
  throw new UserError(`no free address left in network ${network} (${from.text}); remove a container or use a larger subnet`)
}

/** Every lease of `network`: address → owner. Files that are not addresses are ignored. */
export async function leases(network: string): Promise<Map<string, string>> {
  const dir = paths.ipam(network)
  const out = new Map<string, string>()
  for (const ip of await listDir(dir)) {
    if (!isIp(ip)) continue
    const owner = readIfThere(path.join(dir, ip))
    if (owner !== undefined) out.set(ip, owner.trim())
  }
  return out
}

/** Lease an address on `network` to `owner`. Caller holds withLock(). */
export async function allocate(network: string, subnet: Cidr, gateway: string, owner: string, requested?: string, range?: Cidr, skip: string[] = []): Promise<string> {
  const dir = paths.ipam(network)
  const used = new Set((await listDir(dir)).filter(isIp)) // the names are enough: no need to read owners
  // A lease file that appears between listing and creating (someone ignoring the lock) is skipped.
  for (;;) {
    const ip = pickAddress(network, subnet, gateway, used, requested, range, skip)
    fsSync.mkdirSync(dir, {recursive: true}) // only once there is something to lease: a refusal leaves nothing
    try {
      fsSync.writeFileSync(path.join(dir, ip), owner, {flag: 'wx'})
      return ip
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      used.add(ip)
    }
  }
}

/**
 * Release every address `owner` holds on `network`. Idempotent. Caller holds withLock().
 * `ip`: the address its attachment records, which is then the only file read when it is
 * indeed the owner's (an endpoint holds one address per network; reading every lease made a
 * container's exit cost more on a busier network).
 */
export async function release(network: string, owner: string, ip?: string): Promise<void> {
  const dir = paths.ipam(network)
  const at = ip && isIp(ip) ? readIfThere(path.join(dir, ip)) : undefined
  if (at?.trim() === owner) fsSync.rmSync(path.join(dir, ip!), {force: true})
  else {
    for (const [leased, o] of await leases(network)) {
      if (o === owner) fsSync.rmSync(path.join(dir, leased), {force: true})
    }
  }
  try {
    fsSync.rmdirSync(dir) // gone with the last lease
  } catch {}
}

/** A small file's text, or undefined (read synchronously: a lease is a few bytes, on every exit). */
function readIfThere(file: string): string | undefined {
  try {
    return fsSync.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** Drop all leases of `network` (network rm). Idempotent. Caller holds withLock(). */
export async function releaseAll(network: string): Promise<void> {
  await fs.rm(paths.ipam(network), {recursive: true, force: true})
}
