import {TemplateError} from './lex.js'
import {formatNumber, isMap, show, truth, typeName} from './values.js'

// The functions a template can call: Go's builtins (and, or, not, len, index, print, printf,
// println, eq, ne, lt, le, gt, ge, slice) and Docker's own (json, join, split, lower, upper,
// title, pad, truncate). and/or are evaluated lazily in exec.ts, as Go does. Pure.

export type Func = (...args: unknown[]) => unknown

const basic = (v: unknown): 'number' | 'string' | 'bool' | undefined =>
  typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : undefined

function equal(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true
  const ka = basic(a)
  const kb = basic(b)
  if (!ka || !kb) throw new TemplateError(`error calling eq: incompatible types for comparison`)
  if (ka !== kb) throw new TemplateError('error calling eq: incompatible types for comparison')
  return a === b
}

function less(name: string, a: unknown, b: unknown): boolean {
  const ka = basic(a)
  if (!ka || ka === 'bool' || ka !== basic(b)) throw new TemplateError(`error calling ${name}: ${ka && ka === basic(b) ? 'invalid type for comparison' : 'incompatible types for comparison'}`)
  return (a as number | string) < (b as number | string)
}

function len(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v)
  if (Array.isArray(v)) return v.length
  if (isMap(v)) return Object.keys(v).length
  throw new TemplateError(`error calling len: len of type ${typeName(v)}`)
}

function index(v: unknown, ...keys: unknown[]): unknown {
  let cur = v
  for (const k of keys) {
    if (Array.isArray(cur) || typeof cur === 'string') {
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new TemplateError(`error calling index: cannot index slice/array with type ${typeName(k)}`)
      if (k < 0 || k >= cur.length) throw new TemplateError(`error calling index: index out of range: ${k}`)
      cur = typeof cur === 'string' ? cur.charCodeAt(k) : cur[k]
    } else if (isMap(cur)) {
      if (typeof k !== 'string') throw new TemplateError(`error calling index: value has type ${typeName(k)}; should be string`)
      cur = Object.hasOwn(cur, k) ? cur[k] : undefined
    } else if (cur === null || cur === undefined) {
      throw new TemplateError('error calling index: index of untyped nil')
    } else throw new TemplateError(`error calling index: can't index item of type ${typeName(cur)}`)
  }
  return cur
}

/** fmt.Sprint: spaces between operands when neither is a string. */
function sprint(args: unknown[]): string {
  let out = ''
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' '
    out += show(a, false)
  })
  return out
}

/** fmt.Sprintf for the verbs people use in --format: %s %v %d %q %x %X %f %g %e %t %c %%, flags, width, precision. */
export function sprintf(format: string, ...args: unknown[]): string {
  let n = 0
  const out = format.replace(/%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])/g, (_whole, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%'
    if (width === '*') width = String(args[n++])
    if (prec === '*') prec = String(args[n++])
    if (n >= args.length) return `%!${verb}(MISSING)`
    const a = args[n++]
    let s: string
    switch (verb) {
      case 'v':
      case 's':
        s = typeof a === 'string' || verb === 'v' ? show(a, false) : `%!s(${typeName(a)}=${show(a, false)})`
        if (prec !== undefined && typeof a === 'string') s = [...s].slice(0, Number(prec)).join('')
        break
      case 'd':
        s = typeof a === 'number' && Number.isInteger(a) ? String(a) : `%!d(${typeName(a)}=${show(a, false)})`
        break
      case 'f':
      case 'F':
      case 'e':
      case 'g':
        if (typeof a !== 'number') s = `%!${verb}(${typeName(a)}=${show(a, false)})`
        else if (verb === 'e') s = a.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, 'e$10$2')
        else if (verb === 'g') s = prec === undefined ? formatNumber(a) : String(Number(a.toPrecision(Number(prec))))
        else s = a.toFixed(prec === undefined ? 6 : Number(prec))
        break
      case 'q':
        s = typeof a === 'number' ? `'${String.fromCodePoint(a)}'` : JSON.stringify(show(a, false))
        break
      case 'x':
      case 'X':
        s = typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(show(a, false)).toString('hex')
        if (verb === 'X') s = s.toUpperCase()
        break
      case 't':
        s = typeof a === 'boolean' ? String(a) : `%!t(${typeName(a)}=${show(a, false)})`
        break
      case 'c':
        s = typeof a === 'number' ? String.fromCodePoint(a) : `%!c(${typeName(a)}=${show(a, false)})`
        break
      default:
        return `%!${verb}(${typeName(a)}=${show(a, false)})`
    }
    if (flags.includes('+') && typeof a === 'number' && a >= 0 && 'dfFeg'.includes(verb)) s = '+' + s
    const w = width === undefined ? 0 : Number(width)
    if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : flags.includes('0') && typeof a === 'number' ? s.replace(/^([+-]?)/, (sign) => sign + '0'.repeat(w - s.length)) : s.padStart(w)
    return s
  })
  return n < args.length ? `${out}%!(EXTRA ${args.slice(n).map((a) => `${typeName(a)}=${show(a, false)}`).join(', ')})` : out
}

function strArg(name: string, v: unknown): string {
  if (typeof v !== 'string') throw new TemplateError(`error calling ${name}: wrong type for value; expected string; got ${typeName(v)}`)
  return v
}

export const FUNCS: Record<string, Func> = {
  not: (a) => !truth(a),
  len,
  index,
  slice: (v, ...ix) => {
    const [i = 0, j] = ix as number[]
    if (typeof v === 'string' || Array.isArray(v)) return v.slice(i, j ?? v.length)
    throw new TemplateError(`error calling slice: can't slice item of type ${typeName(v)}`)
  },
  print: (...a) => sprint(a),
  println: (...a) => a.map((x) => show(x, false)).join(' ') + '\n',
  printf: (f, ...a) => sprintf(strArg('printf', f), ...a),
  eq: (a, ...bs) => {
    if (bs.length === 0) throw new TemplateError('error calling eq: missing argument for comparison')
    return bs.some((b) => equal(a, b))
  },
  ne: (a, b) => !equal(a, b),
  lt: (a, b) => less('lt', a, b),
  le: (a, b) => less('le', a, b) || equal(a, b),
  gt: (a, b) => !less('gt', a, b) && !equal(a, b),
  ge: (a, b) => !less('ge', a, b),
  // Docker's additions (docker/cli templates/templates.go)
  json: (v) => JSON.stringify(v === undefined ? null : v) ?? 'null',
  join: (a, sep) => {
    if (!Array.isArray(a)) throw new TemplateError(`error calling join: wrong type for value; expected []string; got ${typeName(a)}`)
    return a.map((x) => strArg('join', x)).join(strArg('join', sep))
  },
  split: (s, sep) => strArg('split', s).split(strArg('split', sep)),
  lower: (s) => strArg('lower', s).toLowerCase(),
  upper: (s) => strArg('upper', s).toUpperCase(),
  title: (s) => strArg('title', s).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase()),
  pad: (s, l, r) => ' '.repeat(Number(l)) + strArg('pad', s) + ' '.repeat(Number(r)),
  truncate: (s, n) => {
    const str = strArg('truncate', s)
    return [...str].length > Number(n) ? [...str].slice(0, Number(n)).join('') : str
  },
}
