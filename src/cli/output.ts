// Output shared by ps, image ls, network ls, pod ls: an aligned table or JSON.
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

export function printTable(headers: string[], rows: string[][]): void {
  process.stdout.write(table(headers, rows) + '\n')
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

/** "3 seconds ago", "About a minute ago", as Docker prints ages. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return s <= 1 ? 'Less than a second ago' : `${s} seconds ago`
  const m = Math.round(s / 60)
  if (m < 60) return m === 1 ? 'About a minute ago' : `${m} minutes ago`
  const h = Math.round(m / 60)
  if (h < 48) return h === 1 ? 'About an hour ago' : `${h} hours ago`
  return `${Math.round(h / 24)} days ago`
}

/** "Up 3 seconds" style durations. */
export function since(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 1) return 'Less than a second'
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`
  const m = Math.round(s / 60)
  if (m < 60) return m === 1 ? 'About a minute' : `${m} minutes`
  const h = Math.round(m / 60)
  return h === 1 ? 'About an hour' : `${h} hours`
}

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let v = bytes
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${v < 10 && i > 0 ? v.toFixed(2) : v < 100 && i > 0 ? v.toFixed(1) : Math.round(v)}${units[i]}`
}
