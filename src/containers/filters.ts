import {UserError} from '../errors.js'
import type {ContainerRecord, Status} from './record.js'

// `ps --filter KEY=VALUE`, as Docker matches them: values of one key are alternatives (OR),
// different keys must all match (AND). Pure: the caller gives each record's live status.

const KEYS = ['status', 'name', 'id', 'label', 'network', 'ancestor', 'exited'] as const
type Key = (typeof KEYS)[number]
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']

export type Filters = Map<Key, string[]>

export function parseFilters(specs: string[]): Filters {
  const out: Filters = new Map()
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new UserError(`bad format of filter "${spec}": use KEY=VALUE, e.g. --filter status=exited`)
    const key = spec.slice(0, eq).trim().toLowerCase() as Key
    const value = spec.slice(eq + 1)
    if (!KEYS.includes(key)) throw new UserError(`invalid filter "${key}": use one of ${KEYS.join(', ')}`)
    if (key === 'status' && !STATUSES.includes(value)) throw new UserError(`invalid filter "status=${value}": use one of ${STATUSES.join(', ')}`)
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw new UserError(`invalid filter "exited=${value}": use an exit code, e.g. exited=0`)
    if (key === 'name') compileName(value)
    out.set(key, [...(out.get(key) ?? []), value])
  }
  return out
}

/** status= and exited= look at stopped containers too, as in Docker (no -a needed). */
export function impliesAll(f: Filters): boolean {
  return f.has('status') || f.has('exited')
}

function compileName(v: string): RegExp {
  try {
    return new RegExp(v)
  } catch {
    throw new UserError(`invalid filter "name=${v}": not a regular expression; use part of a name, e.g. name=web`)
  }
}

export interface Candidate {
  rec: ContainerRecord
  status: Status
  /** the image's id, to match ancestor= by id */
  imageId?: string
}

export function matches(f: Filters, c: Candidate): boolean {
  const labels = containerLabels(c.rec)
  const test: Record<Key, (v: string) => boolean> = {
    status: (v) => v === c.status,
    // Docker matches names as regular expressions against "/name"
    name: (v) => compileName(v).test(`/${c.rec.name}`),
    id: (v) => c.rec.id.startsWith(v),
    label: (v) => {
      const eq = v.indexOf('=')
      return eq < 0 ? Object.hasOwn(labels, v) : labels[v.slice(0, eq)] === v.slice(eq + 1)
    },
    network: (v) => Object.values(c.rec.networks).some((n) => n.networkName === v || n.networkId.startsWith(v)) || c.rec.hostConfig.networkMode === v,
    ancestor: (v) => {
      const [repo, tag = 'latest'] = splitRef(c.rec.image)
      const [wantRepo, wantTag] = splitRef(v)
      return (repo === wantRepo && (wantTag === undefined || wantTag === tag)) || (/^(sha256:)?[0-9a-f]{4,64}$/.test(v) && !!c.imageId?.startsWith(v.replace(/^sha256:/, '')))
    },
    exited: (v) => c.status === 'exited' && c.rec.state.exitCode === Number(v),
  }
  return [...f].every(([key, values]) => values.some(test[key]))
}

function splitRef(ref: string): [string, string | undefined] {
  const colon = ref.lastIndexOf(':')
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, undefined]
}

/** Labels: the record's own (once `run -l` exists), and the pod a member belongs to. */
export function containerLabels(rec: ContainerRecord): Record<string, string> {
  const own = (rec.config as {labels?: Record<string, string>}).labels ?? {}
  return rec.hostConfig.pod ? {...own, 'io.minirun.pod': rec.hostConfig.pod} : {...own}
}
