import {UserError} from '../errors.js'
import {parseIp} from '../networks/ipam/cidr.js'
import {hostnameProblem, mountDestinationProblem, shown, validateEnvEntry} from './validate.js'

// The `run` options Docker scripts use that are parsed on their own: --env-file, --label,
// --add-host, --tmpfs, --ulimit, --user, --stop-signal. Pure: files are read by the caller.

/** --env-file: KEY=VALUE lines; `#` comments and blank lines skipped; a bare KEY copies it from here. */
export function parseEnvFile(text: string, source: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = []
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    if (!line.includes('=')) {
      if (env[line.trim()] !== undefined) out.push(`${line.trim()}=${env[line.trim()]}`)
      continue
    }
    try {
      out.push(validateEnvEntry(line.replace(/^\s+/, '')))
    } catch (error) {
      throw new UserError(`${source} line ${n + 1}: ${(error as Error).message}`)
    }
  }
  return out
}

/** -l/--label KEY[=VALUE] */
export function parseLabels(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const s of specs) {
    const i = s.indexOf('=')
    const key = i < 0 ? s : s.slice(0, i)
    if (!/^[^\s\0]{1,255}$/.test(key) || /[\n\r\0]/.test(s)) throw new UserError(`invalid label ${shown(s)}: use KEY=VALUE, the key without spaces`)
    out[key] = i < 0 ? '' : s.slice(i + 1)
  }
  return out
}

/** --add-host NAME:IP → an /etc/hosts line */
export function parseAddHost(spec: string): {name: string; ip: string} {
  const i = spec.lastIndexOf(':')
  const name = spec.slice(0, i)
  const ip = spec.slice(i + 1)
  const problem = i <= 0 ? 'missing' : hostnameProblem(name)
  if (problem) throw new UserError(`invalid --add-host ${shown(spec)}: use NAME:IP (${problem})`)
  return {name, ip: ip === 'host-gateway' ? ip : parseIp(ip)}
}

/** --tmpfs PATH[:OPTIONS] */
export function parseTmpfs(spec: string): {path: string; options: string} {
  const i = spec.indexOf(':')
  const path = i < 0 ? spec : spec.slice(0, i)
  const options = i < 0 ? '' : spec.slice(i + 1)
  const problem = mountDestinationProblem(path)
  if (problem) throw new UserError(`invalid --tmpfs ${shown(spec)}: ${problem}`)
  if (!/^[a-zA-Z0-9_=,.:-]*$/.test(options)) throw new UserError(`invalid --tmpfs options ${shown(options)}: use e.g. rw,size=64m,mode=1777`)
  return {path, options}
}

export const isTmpfsMount = (spec: string) => /(^|,)type=tmpfs(,|$)/.test(spec)

/** --mount type=tmpfs,dst=PATH[,tmpfs-size=BYTES][,tmpfs-mode=OCTAL][,readonly] as a --tmpfs */
export function parseTmpfsMount(spec: string): {path: string; options: string} {
  let path = ''
  const options: string[] = []
  for (const field of spec.split(',').filter(Boolean)) {
    const [key, value] = [field.split('=')[0], field.slice(field.indexOf('=') + 1)]
    if (key === 'type') continue
    else if (key === 'dst' || key === 'target' || key === 'destination') path = value
    else if (key === 'tmpfs-size' && /^\d+[kmg]?$/i.test(value)) options.push(`size=${value}`)
    else if (key === 'tmpfs-mode' && /^[0-7]{3,4}$/.test(value)) options.push(`mode=${value}`)
    else if (key === 'readonly' || key === 'ro') options.push('ro')
    else throw new UserError(`invalid --mount ${shown(spec)}: a tmpfs takes dst, tmpfs-size, tmpfs-mode and readonly`)
  }
  return parseTmpfs(`${path}:${options.join(',')}`)
}

// Linux's RLIMIT_* numbers (asm-generic/resource.h)
const RLIMITS: Record<string, number> = {cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7, memlock: 8, as: 9, locks: 10, sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15}
const INFINITY = '18446744073709551615'

/** --ulimit NAME=SOFT[:HARD] (-1 = unlimited), as setrlimit takes it */
export function parseUlimit(spec: string): {name: string; resource: number; soft: string; hard: string} {
  const m = /^([a-z]+)=(-1|\d+)(?::(-1|\d+))?$/.exec(spec)
  if (!m || RLIMITS[m[1]] === undefined) throw new UserError(`invalid --ulimit ${shown(spec)}: use NAME=SOFT[:HARD] with NAME one of ${Object.keys(RLIMITS).join(', ')}`)
  const v = (x: string) => (x === '-1' ? INFINITY : x)
  const soft = v(m[2])
  const hard = v(m[3] ?? m[2])
  if (BigInt(soft) > BigInt(hard)) throw new UserError(`invalid --ulimit ${shown(spec)}: the soft limit is above the hard one`)
  return {name: m[1], resource: RLIMITS[m[1]], soft, hard}
}

export interface ResolvedUser {
  uid: number
  gid: number
  groups: number[]
  home?: string
}

/**
 * -u/--user NAME|UID[:GROUP|GID], from the image's /etc/passwd and /etc/group, as Docker does:
 * a numeric uid need not exist (gid 0 then); a name must.
 */
export function resolveUser(spec: string, passwd: string, group: string): ResolvedUser {
  const m = /^([^:\s]+)(?::([^:\s]+))?$/.exec(spec)
  if (!m) throw new UserError(`invalid --user ${shown(spec)}: use NAME, UID, NAME:GROUP or UID:GID`)
  const users = passwd.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 7)
  const groups = group.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 4)
  const entry = /^\d+$/.test(m[1]) ? users.find((f) => f[2] === m[1]) : users.find((f) => f[0] === m[1])
  if (!entry && !/^\d+$/.test(m[1])) throw new UserError(`unable to find user ${shown(m[1])}: no matching entries in the image's /etc/passwd`)
  const uid = Number(entry?.[2] ?? m[1])
  let gid = Number(entry?.[3] ?? 0)
  if (m[2] !== undefined) {
    const g = /^\d+$/.test(m[2]) ? m[2] : groups.find((f) => f[0] === m[2])?.[2]
    if (g === undefined) throw new UserError(`unable to find group ${shown(m[2])}: no matching entries in the image's /etc/group`)
    gid = Number(g)
  }
  if (uid > 2 ** 32 - 2 || gid > 2 ** 32 - 2) throw new UserError(`invalid --user ${shown(spec)}: id out of range`)
  const name = entry?.[0]
  const extra = name ? groups.filter((f) => f[3].split(',').includes(name)).map((f) => Number(f[2])) : []
  return {uid, gid, groups: [...new Set([gid, ...extra])], home: entry?.[5]}
}

/** --stop-signal: SIGTERM, TERM or a number */
export function parseSignal(spec: string): string {
  const s = /^\d+$/.test(spec) ? spec : spec.toUpperCase().startsWith('SIG') ? spec.toUpperCase() : `SIG${spec.toUpperCase()}`
  if (!/^(\d{1,2}|SIG[A-Z0-9]+)$/.test(s)) throw new UserError(`invalid signal ${shown(spec)}: use a name like SIGTERM or a number`)
  return s
}
