import {createHash} from 'node:crypto'
import path from 'node:path'

// Where minirun keeps things. Two roots on one machine must not collide in the kernel either,
// so kernel object names carry a tag derived from the root (empty for the default root).
const DEFAULT_ROOT = '/var/lib/minirun'
const DEFAULT_RUNTIME = '/run/minirun'

export function rootDir(): string {
  return path.resolve(process.env.MINIRUN_ROOT || DEFAULT_ROOT)
}

export function runtimeDir(): string {
  return path.resolve(process.env.MINIRUN_RUNTIME_DIR || DEFAULT_RUNTIME)
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/**
 * The tag of a root: '' for the default root, else 12 base32 chars (60 bits) of its sha256.
 * Budget: the longest name built from it is the default bridge, "mr" + tag + "0" = 15 chars,
 * exactly IFNAMSIZ-1. 16 bits (the old 4 hex) let two roots share a bridge and an nft table
 * after a search of under a second; at 60 bits a collision needs ~2^30 roots. Ownership marks
 * (ownerMarkOf) still catch one.
 */
export function tagOf(root: string): string {
  if (root === DEFAULT_ROOT) return ''
  const hash = createHash('sha256').update(root).digest()
  let bits = 0n
  for (const b of hash.subarray(0, 8)) bits = (bits << 8n) | BigInt(b)
  let out = ''
  for (let i = 0; i < 12; i++) out += BASE32[Number((bits >> BigInt(64 - 5 * (i + 1))) & 31n)]
  return out
}

export function instanceTag(): string {
  return tagOf(rootDir())
}

/**
 * What minirun writes on the kernel objects it makes (a link's ifalias, its nft table's owner
 * rule) and checks before it reuses or deletes one: the root's path, so an error can name the
 * other root; its sha256 when the path is too long for an nft comment (128) or has characters
 * nft or ip would need quoted. A path always starts with "/", so the two forms never meet.
 */
export function ownerMarkOf(root: string): string {
  const mark = `minirun:${root}`
  if (mark.length <= 120 && /^[A-Za-z0-9_.\/-]+$/.test(root)) return mark
  return `minirun:sha256:${createHash('sha256').update(root).digest('hex')}`
}

export function ownerMark(): string {
  return ownerMarkOf(rootDir())
}

/** "root /x/y" or "root sha256:abc…", for an error about an object another root owns. */
export function describeOwner(mark: string): string {
  if (!mark.startsWith('minirun:')) return mark ? `something else (mark "${mark}")` : 'something else (no minirun ownership mark)'
  return `minirun root ${mark.slice('minirun:'.length)}`
}

export const paths = {
  images: () => path.join(rootDir(), 'images'),
  image: (id: string) => path.join(rootDir(), 'images', id),
  containers: () => path.join(rootDir(), 'containers'),
  /** name -> container links (containers/name-index.ts) */
  names: () => path.join(rootDir(), 'names'),
  container: (id: string) => path.join(rootDir(), 'containers', id),
  networks: () => path.join(rootDir(), 'networks'),
  ipam: (network: string) => path.join(rootDir(), 'ipam', network),
  pods: () => path.join(rootDir(), 'pods'),
  lock: () => path.join(rootDir(), 'store.lock'),
  /** links being made: a record per name, written before `ip link add`, removed once it is marked */
  linksMade: () => path.join(rootDir(), 'links-made'),
  tmp: () => path.join(rootDir(), 'tmp'),
  netnsDir: () => path.join(runtimeDir(), 'netns'),
  netns: (id: string) => path.join(runtimeDir(), 'netns', id),
  attachDir: () => path.join(runtimeDir(), 'attach'),
  /** bridges found complete (bridge.ts): the ifindex and nft table handle they were checked at */
  bridgeChecked: (bridge: string) => path.join(runtimeDir(), 'bridges', `${bridge}.json`),
}
