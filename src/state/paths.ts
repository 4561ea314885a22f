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

/** '' for the default root, else 4 hex chars of the root's hash: keeps kernel names short (IFNAMSIZ=16). */
export function instanceTag(): string {
  const root = rootDir()
  if (root === DEFAULT_ROOT) return ''
  return createHash('sha256').update(root).digest('hex').slice(0, 4)
}

export const paths = {
  images: () => path.join(rootDir(), 'images'),
  image: (id: string) => path.join(rootDir(), 'images', id),
  containers: () => path.join(rootDir(), 'containers'),
  /** name → container links (containers/name-index.ts) */
  names: () => path.join(rootDir(), 'names'),
  container: (id: string) => path.join(rootDir(), 'containers', id),
  networks: () => path.join(rootDir(), 'networks'),
  ipam: (network: string) => path.join(rootDir(), 'ipam', network),
  pods: () => path.join(rootDir(), 'pods'),
  lock: () => path.join(rootDir(), 'store.lock'),
  tmp: () => path.join(rootDir(), 'tmp'),
  netnsDir: () => path.join(runtimeDir(), 'netns'),
  netns: (id: string) => path.join(runtimeDir(), 'netns', id),
  run: (id: string) => path.join(runtimeDir(), 'containers', id),
  attachDir: () => path.join(runtimeDir(), 'attach'),
}
