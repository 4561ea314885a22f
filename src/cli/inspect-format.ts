import {UserError} from '../errors.js'

// `inspect -f TEMPLATE`: Docker runs the template on the typed object and, when a field is not
// there, again on the raw JSON with missingkey=error. On JSON alone that is: a missing key of
// a struct is an error ("map has no entry for key"), of a Go map (Labels, Networks, Ports...)
// it prints <no value>. Loaded only when -f is given.

const GO_MAPS = new Set(['Labels', 'Networks', 'Ports', 'ExposedPorts', 'Volumes', 'Data', 'Options', 'PortBindings', 'Containers', 'Sysctls', 'DriverOpts'])

export async function formatEach(format: string, objects: unknown[]): Promise<string> {
  const {compile, GOMAP, TemplateError} = await import('./template/index.js')
  const mark = (v: unknown, isMap: boolean): unknown => {
    if (Array.isArray(v)) return v.map((e) => mark(e, false))
    if (typeof v !== 'object' || v === null) return v
    const out: Record<string | symbol, unknown> = {}
    for (const [k, e] of Object.entries(v)) out[k] = mark(e, GO_MAPS.has(k))
    if (isMap) out[GOMAP] = true
    return out
  }
  try {
    const tpl = compile(format.replaceAll('\\t', '\t').replaceAll('\\n', '\n'), {missingKey: 'error'})
    return objects.map((o) => tpl(mark(JSON.parse(JSON.stringify(o)), false)) + '\n').join('')
  } catch (error) {
    if (error instanceof TemplateError) throw new UserError(`template parsing error: ${error.message}; the field names are those of the JSON that inspect prints without -f`)
    throw error
  }
}
