import path from 'node:path'
import {UserError} from '../errors.js'

// What a user (or a Pod manifest) types that ends up in a file (/etc/hosts, /etc/hostname, the
// record), in a kernel call (sethostname, mount) or in a process environment. Pure.
// A value is shown back escaped and cut short: a newline in it must not break the one-line error,
// and a 10,000-character one must not flood the terminal.

/** `"abc\n1.2.3.4 x"` — quoted, escaped, at most ~60 characters. */
export function shown(v: string): string {
  return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)
}

/** Linux's HOST_NAME_MAX; RFC 1123 allows 63 per label. */
export const MAX_HOSTNAME = 64
const LABEL = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/

/** Why `h` is not an RFC 1123 hostname, or undefined when it is one. */
export function hostnameProblem(h: string): string | undefined {
  if (h === '') return 'it is empty'
  if (h.length > MAX_HOSTNAME) return `it has ${h.length} characters; Linux allows at most ${MAX_HOSTNAME}`
  for (const label of h.split('.')) {
    if (label === '') return 'it has an empty label (two dots, or a dot at an end)'
    if (label.length > 63) return 'a label (the part between dots) has more than 63 characters'
    if (!LABEL.test(label)) return 'use letters, digits and "-" between dots, not starting or ending with "-" (RFC 1123)'
  }
  return undefined
}

export function validateHostname(h: string): string {
  const why = hostnameProblem(h)
  if (why) throw new UserError(`invalid hostname ${shown(h)}: ${why}`)
  return h
}

/**
 * A pod's name as its hostname: `pod_1a2b3c` becomes `pod-1a2b3c`; undefined when even that is not
 * a hostname (the pause container then keeps its short id, as any container does).
 */
export function hostnameFor(name: string): string | undefined {
  const h = name.replace(/_/g, '-')
  return hostnameProblem(h) ? undefined : h
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** An environment variable's name: not empty, no "=", no whitespace or control characters (NUL, newline). */
export function envNameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty'
  if (name.includes('=')) return 'the name contains "="'
  if (CONTROL.test(name) || /\s/.test(name)) return 'the name contains a space or a control character (newline, tab, NUL)'
  return undefined
}

/** -e KEY=VALUE (already expanded): the name must be one a process environment can hold. */
export function validateEnvEntry(entry: string): string {
  const i = entry.indexOf('=')
  const name = i === -1 ? entry : entry.slice(0, i)
  const why = envNameProblem(name)
  if (why) throw new UserError(`invalid environment variable ${shown(name)}: ${why}; use -e NAME=VALUE`)
  if (entry.includes('\0')) throw new UserError(`invalid environment variable ${shown(name)}: its value contains a NUL byte`)
  return entry
}

/**
 * Why `dest` cannot be a volume's destination, or undefined. As runc: nothing in /proc (the
 * container's own procfs; binding over /proc/sys/... would undo its read-only protections), and
 * not /dev or /sys themselves (minirun mounts those; /dev/snd and /sys/fs/... are fine).
 */
export function mountDestinationProblem(dest: string): string | undefined {
  if (dest === '') return 'the container path is empty'
  if (!dest.startsWith('/')) return 'the container path must be absolute'
  if (dest.split('/').includes('..')) return 'the container path must not contain ".."'
  if (CONTROL.test(dest)) return 'the container path contains a control character'
  if (dest.includes(':')) return 'the container path must not contain ":"'
  const d = path.posix.normalize(dest).replace(/(.)\/+$/, '$1')
  if (d === '/') return "cannot mount over the container's /"
  if (d === '/proc' || d.startsWith('/proc/')) return `mount destination ${d} not allowed`
  if (d === '/dev' || d === '/sys') return `mount destination ${d} not allowed (minirun mounts the container's own ${d}; a path inside it is fine)`
  return undefined
}

export function validateMountDestination(spec: string, dest: string): void {
  const why = mountDestinationProblem(dest)
  if (why) throw new UserError(`invalid volume ${shown(spec)}: ${why}`)
}

/** Names that become file names or kernel names: refused before any lookup, so no ENAMETOOLONG. */
export function validateRefLength(kind: string, ref: string, max: number): string {
  if (ref.length > max) throw new UserError(`invalid ${kind} ${shown(ref)}: at most ${max} characters`)
  return ref
}
