import {listContainers} from '../../containers/find.js'
import {impliesAll, matches, parseFilters} from '../../containers/filters.js'
import {liveStatus} from '../../containers/inspect.js'
import {UserError} from '../../errors.js'
import {formatList} from '../format.js'
import {containerRow, PS_FORMAT} from '../views/container-row.js'

export interface PsFlags {
  all?: boolean
  quiet?: boolean
  format?: string
  filter?: string[]
  last?: string
  latest?: boolean
  size?: boolean
  'no-trunc'?: boolean
}

export async function ps(flags: PsFlags): Promise<void> {
  const filters = parseFilters(flags.filter ?? [])
  const last = flags.latest ? 1 : flags.last === undefined ? -1 : count(flags.last)
  // newest first; -n/-l take the last created whatever their state, as Docker
  let rows = (await listContainers()).map((rec) => ({rec, status: liveStatus(rec)}))
  if (!(flags.all || last >= 0 || impliesAll(filters))) rows = rows.filter((r) => r.status === 'running')
  if (filters.size > 0) rows = rows.filter((r) => matches(filters, {...r, imageId: r.rec.imageId}))
  if (last >= 0) rows = rows.slice(0, last)
  if (flags.quiet) {
    process.stdout.write(rows.map((r) => (flags['no-trunc'] ? r.rec.id : r.rec.id.slice(0, 12)) + '\n').join(''))
    return
  }
  const sizes = flags.size || /\.Size\b/.test(flags.format ?? '') ? await import('../../containers/size.js') : undefined
  const now = Date.now()
  const out = []
  for (const r of rows) out.push(containerRow({...r, now, noTrunc: flags['no-trunc'], size: sizes ? await sizes.containerSize(r.rec) : undefined}))
  const format = flags.size && !flags.format ? undefined : flags.format
  const spec = flags.size && (!flags.format || flags.format === 'table') ? {...PS_FORMAT, columns: [...PS_FORMAT.columns, {field: 'Size', header: 'SIZE'}]} : PS_FORMAT
  process.stdout.write(await formatList(format, out, spec))
}

function count(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new UserError(`invalid -n "${v}": use a number of containers, e.g. -n 3`)
  return Math.max(-1, Number(v))
}
