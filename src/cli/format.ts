import {table} from './output.js'

// --format for the list commands (ps, images, network ls, pod ls), as Docker's formatter does it:
//   (none) or "table"   the default columns
//   "json"              one JSON object per line (Docker >= 23)
//   "table TEMPLATE"    a header row, then one row per item, aligned on tabs
//   "TEMPLATE"          one line per item, Go text/template (loaded only here)
// `\t` and `\n` typed in the format are tab and newline, as in Docker.

export interface Column {
  /** the field's name in templates and JSON (Docker's: ID, Names, Image...) */
  field: string
  header: string
}

export interface ListFormat {
  columns: Column[]
  /** the Go type name Docker's errors mention, e.g. *formatter.ContainerContext */
  typeName: string
  /** extra fields a template may use, not shown in the default table (with their headers) */
  extra?: Column[]
}

type Row = Record<string, unknown>

/** Rows as text for `format`. Rows are plain values; a function-valued field is a method ({{.Label "k"}}). */
export async function formatList(format: string | undefined, rows: Row[], spec: ListFormat): Promise<string> {
  const f = (format ?? '').trim()
  if (f === '' || f === 'table') return table(spec.columns.map((c) => c.header), rows.map((r) => spec.columns.map((c) => plain(r[c.field])))) + '\n'
  if (f === 'json') return rows.map((r) => JSON.stringify(jsonView(r)) + '\n').join('')
  const {compile, STRUCT} = await import('./template/index.js')
  const isTable = /^table(\s|$)/.test(f)
  const src = (isTable ? f.slice(5) : f).trim().replaceAll('\\t', '\t').replaceAll('\\n', '\n')
  const tpl = compile(src)
  const lines = rows.map((r) => tpl({[STRUCT]: spec.typeName, ...r}))
  if (!isTable) return lines.map((l) => l + '\n').join('')
  const headers: Row = {[STRUCT]: spec.typeName}
  for (const c of [...spec.columns, ...(spec.extra ?? [])]) headers[c.field] = c.header
  // a header cell that is a method ({{.Label "x"}}) shows the header of that column
  for (const [k, v] of Object.entries(rows[0] ?? {})) if (typeof v === 'function') headers[k] = () => k.toUpperCase()
  let head: string
  try {
    head = tpl(headers)
  } catch {
    head = '' // a header Docker cannot render either (e.g. {{json .}}): rows only
  }
  return tabwriter([...(head ? [head] : []), ...lines].join('\n')) + '\n'
}

/** Go's text/tabwriter as Docker sets it up (minwidth 10, padding 3): tab-terminated cells aligned. */
export function tabwriter(text: string): string {
  const lines = text.split('\n').map((l) => l.split('\t'))
  const widths: number[] = []
  for (const cells of lines) cells.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)))
  return lines
    .map((cells) =>
      cells
        .map((c, i) => (i < cells.length - 1 ? c.padEnd(Math.max(10, widths[i] + 3)) : c))
        .join('')
        .trimEnd(),
    )
    .join('\n')
}

function plain(v: unknown): string {
  return v === undefined || v === null ? '' : String(v)
}

/** The row as `{{json .}}` shows it: its data fields, not its methods. */
function jsonView(r: Row): Row {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v !== 'function'))
}
