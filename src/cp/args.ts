import path from 'node:path'
import {UserError} from '../errors.js'

// `cp` arguments as Docker reads them. Pure. An argument is in a container when it has a ":"
// and does not start with "/" or "." (a local path with a colon is written ./a:b).

export interface CpPlan {
  /** into the container (host -> container) or out of it */
  direction: 'in' | 'out'
  container: string
  /** the path inside the container (absolute, as typed: a trailing "/" or "/." matters) */
  inside: string
  /** the host path, or "-" for a tar stream on stdin/stdout */
  local: string
}

function split(arg: string): {container: string; path: string} | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined
  const i = arg.indexOf(':')
  if (i <= 0) return undefined
  return {container: arg.slice(0, i), path: arg.slice(i + 1)}
}

export function parseCpArgs(src: string, dest: string): CpPlan {
  const s = split(src)
  const d = split(dest)
  if (s && d) throw new UserError('copying between containers is not supported; copy to the host first')
  if (!s && !d) throw new UserError('must specify at least one container source: minirun cp CONTAINER:SRC DEST or minirun cp SRC CONTAINER:DEST')
  if (src === '' || dest === '') throw new UserError('cp needs a source and a destination')
  const c = (s ?? d)!
  if (src === '-' && !d) throw new UserError('"-" (a tar stream on stdin) needs a container destination')
  // as Docker: a relative path in a container is relative to its /
  const inside = c.path.startsWith('/') ? c.path : `/${c.path}`
  if (inside.includes('\0')) throw new UserError('the container path contains a NUL byte')
  return {direction: s ? 'out' : 'in', container: c.container, inside, local: s ? dest : src}
}

/** "/a/b/" → ["/a", "b"]; "/" → ["/", ""] (the root itself). */
export function parentAndName(p: string): [string, string] {
  const n = path.posix.normalize(p)
  if (n === '/') return ['/', '']
  const t = n.replace(/\/+$/, '')
  return [path.posix.dirname(t), path.posix.basename(t)]
}

/** Docker's "copy the contents, not the directory": SRC ends with "/." */
export const contentsOnly = (p: string) => /\/\.$/.test(p)
