import path from 'node:path'
import {UserError} from '../errors.js'
import {mountDestinationProblem, shown} from '../containers/validate.js'

// What users type for -v and --mount, as Docker reads it. Pure.
//   -v /abs:/ctr[:ro|rw]    a bind mount (the source is a path: it starts with "/")
//   -v name:/ctr[:ro|rw]    a named volume (Docker's rule: a name, no slash)
//   -v /ctr                 an anonymous volume (random name, removed by rm -v and run --rm)
//   --mount type=bind|volume|tmpfs,src=...,dst=...[,readonly]

export type MountRequest =
  | {type: 'bind'; source: string; target: string; readOnly: boolean}
  | {type: 'volume'; name?: string; target: string; readOnly: boolean}

/** Docker's local volume names: a letter or digit, then [a-zA-Z0-9_.-] (2+ characters). */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
export const MAX_VOLUME_NAME = 64

export function volumeNameProblem(name: string): string | undefined {
  if (!VOLUME_NAME.test(name)) return 'only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters'
  if (name.length > MAX_VOLUME_NAME) return `at most ${MAX_VOLUME_NAME} characters`
  return undefined
}

export function validateVolumeName(name: string): string {
  const why = volumeNameProblem(name)
  if (why) throw new UserError(`invalid volume name ${shown(name)}: ${why}`)
  return name
}

const clean = (p: string) => path.posix.normalize(p).replace(/(.)\/+$/, '$1')

function target(spec: string, dest: string, flag: string): string {
  const why = mountDestinationProblem(dest)
  if (why) throw new UserError(`invalid ${flag} ${shown(spec)}: ${why}`)
  return clean(dest)
}

/** One -v value. */
export function parseVolumeFlag(spec: string): MountRequest {
  const bad = (why: string): never => {
    throw new UserError(`invalid volume ${shown(spec)}: ${why}`)
  }
  const parts = spec.split(':')
  if (spec === '') bad('use -v /host/path:/container/path[:ro], -v NAME:/container/path or -v /container/path')
  if (parts.length > 3) bad('too many ":"; use -v SOURCE:/container/path[:ro]')
  if (parts.length === 1) return {type: 'volume', target: target(spec, spec, 'volume'), readOnly: false}
  const [source, dest, mode = 'rw'] = parts
  if (mode !== 'ro' && mode !== 'rw') bad(`mode ${shown(mode)} is not supported; use ro or rw`)
  const readOnly = mode === 'ro'
  if (source === '') bad('the source is empty; use -v /host/path:/container/path or -v NAME:/container/path')
  if (source.startsWith('/')) return {type: 'bind', source: clean(source), target: target(spec, dest, 'volume'), readOnly}
  if (volumeNameProblem(source)) bad(`${shown(source)} is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-], at most ${MAX_VOLUME_NAME}); for a host directory use its absolute path`)
  return {type: 'volume', name: source, target: target(spec, dest, 'volume'), readOnly}
}

/** One --mount value: comma-separated key=value, Docker's keys. */
export function parseMountFlag(spec: string): MountRequest {
  const bad = (why: string): never => {
    throw new UserError(`invalid --mount ${shown(spec)}: ${why}`)
  }
  const kv = new Map<string, string | undefined>()
  for (const field of spec.split(',')) {
    if (field === '') continue
    const i = field.indexOf('=')
    const key = (i === -1 ? field : field.slice(0, i)).trim().toLowerCase()
    const value = i === -1 ? undefined : field.slice(i + 1)
    const canon = ({source: 'src', target: 'dst', destination: 'dst', ro: 'readonly'} as Record<string, string>)[key] ?? key
    if (kv.has(canon)) bad(`${shown(key)} is given twice`)
    kv.set(canon, value)
  }
  for (const k of kv.keys()) if (!['type', 'src', 'dst', 'readonly'].includes(k)) bad(`unknown key ${shown(k)}; minirun knows type, src/source, dst/target/destination, readonly`)
  const type = kv.get('type') ?? 'volume'
  const dst = kv.get('dst')
  if (dst === undefined || dst === '') bad('dst (the path in the container) is required')
  const ro = kv.has('readonly') ? kv.get('readonly') : 'false'
  if (!['true', '1', 'false', '0', undefined].includes(ro)) bad('readonly takes true or false')
  const readOnly = ro === undefined || ro === 'true' || ro === '1'
  const src = kv.get('src')
  if (type === 'bind') {
    if (!src || !src.startsWith('/')) bad('a bind mount needs src=/absolute/host/path')
    return {type: 'bind', source: clean(src!), target: target(spec, dst!, '--mount'), readOnly}
  }
  if (type === 'volume') {
    if (src !== undefined && src !== '') validateVolumeName(src)
    return {type: 'volume', name: src || undefined, target: target(spec, dst!, '--mount'), readOnly}
  }
  // type=tmpfs is taken out before (containers/run-options.ts: a --tmpfs for the launcher)
  return bad(`unknown type ${shown(type)}; use bind, volume or tmpfs`)
}
