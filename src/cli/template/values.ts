// Go's view of the JSON-like values templates run on. Pure.
// Objects are Go maps (a missing key is "no value"), unless marked as a struct with STRUCT
// (a missing field is an error), which is how Docker's ps/images/... contexts behave.
// A function-valued field is a method: {{.Label "com.example"}} calls it.

export const STRUCT = Symbol('go struct type name')
/** Marks an object that is a Go map in Docker's types (Labels, Networks, Ports...): under
 * missingkey=error a missing key there is still just <no value>, as Docker's typed inspect does. */
export const GOMAP = Symbol('go map')

export type GoValue = unknown

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64'
  if (Array.isArray(v)) return '[]interface {}'
  if (isMap(v)) return (v as {[STRUCT]?: string})[STRUCT] ?? 'map[string]interface {}'
  return typeof v
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (isMap(v)) return STRUCT in v || Object.keys(v).length > 0
  return true
}

/** fmt's %v: what {{.}} prints. A nil at the top prints "<no value>" (text/template), inside "<nil>". */
export function show(v: unknown, top = true): string {
  if (v === undefined || v === null) return top ? '<no value>' : '<nil>'
  if (typeof v === 'string') return v
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map((e) => show(e, false)).join(' ')}]`
  if (isMap(v)) {
    const keys = Object.keys(v).filter((k) => typeof v[k] !== 'function')
    if (STRUCT in v) return `{${keys.map((k) => show(v[k], false)).join(' ')}}`
    return `map[${keys.sort().map((k) => `${k}:${show(v[k], false)}`).join(' ')}]`
  }
  return String(v)
}

/** %v of a float64 is %g: 1e+21, 0.5, 3 */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n)
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2')
}
