// Tokenizer for Go's text/template syntax (the subset Docker's --format uses). Pure.
// Text outside {{ }} is one token; inside an action the usual operands and punctuation.
// "{{- " and " -}}" trim the white space of the text beside them, as in Go.

export type TokenKind =
  | 'text' | 'open' | 'close' // text, {{, }}
  | 'field' | 'var' | 'dot' | 'ident' | 'string' | 'number' | 'bool' | 'nil'
  | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma'

export interface Token {
  kind: TokenKind
  value: string
  pos: number
}

export class TemplateError extends Error {}

/** "template: :LINE: message" (a parse error), or with a column (0-based, as Go counts), for execution. */
export function at(src: string, pos: number, msg: string, withColumn = false): TemplateError {
  const before = src.slice(0, pos)
  const line = before.split('\n').length
  const col = pos - before.lastIndexOf('\n') - 1
  return new TemplateError(`template: :${line}${withColumn ? `:${col}` : ''}: ${msg}`)
}

const SPACE = /\s/

export function lex(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const open = src.indexOf('{{', i)
    let text = src.slice(i, open < 0 ? src.length : open)
    if (open >= 0 && src.startsWith('{{- ', open)) text = text.replace(/\s+$/, '')
    if (text) out.push({kind: 'text', value: text, pos: i})
    if (open < 0) break
    i = open + 2
    if (src.startsWith('- ', i)) i += 2
    // a comment is a whole action: {{/* ... */}}
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i)
      if (end < 0) throw at(src, open, 'unclosed comment')
      i = end + 2
      const close = /^(\s-)?\}\}/.exec(src.slice(i))
      if (!close) throw at(src, open, 'comment ends before closing delimiter')
      const trim = !!close[1]
      i += close[0].length
      if (trim) i = skipSpace(src, i)
      continue
    }
    out.push({kind: 'open', value: '{{', pos: open})
    i = lexAction(src, i, out)
  }
  return out
}

function skipSpace(src: string, i: number): number {
  while (i < src.length && SPACE.test(src[i])) i++
  return i
}

/** Tokens of one action, up to and including its }}; returns the index after it. */
function lexAction(src: string, i: number, out: Token[]): number {
  for (;;) {
    while (i < src.length && SPACE.test(src[i]) && !src.startsWith(' -}}', i)) i++
    if (i >= src.length) throw at(src, i, 'unclosed action')
    const start = i
    const c = src[i]
    const rest = src.slice(i)
    if (rest.startsWith(' -}}') || rest.startsWith('-}}')) {
      i += rest.startsWith(' ') ? 4 : 3
      out.push({kind: 'close', value: '}}', pos: start})
      return skipSpace(src, i)
    }
    if (rest.startsWith('}}')) {
      out.push({kind: 'close', value: '}}', pos: start})
      return i + 2
    }
    let m: RegExpExecArray | null
    if ((m = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(rest))) out.push({kind: 'field', value: m[0], pos: start})
    else if ((m = /^\$[A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest))) out.push({kind: 'var', value: m[0], pos: start})
    else if ((m = /^\.(?![0-9])/.exec(rest))) out.push({kind: 'dot', value: '.', pos: start})
    else if ((m = /^"(?:[^"\\\n]|\\.)*"/.exec(rest))) out.push({kind: 'string', value: unquote(src, start, m[0]), pos: start})
    else if ((m = /^`[^`]*`/.exec(rest))) out.push({kind: 'string', value: m[0].slice(1, -1), pos: start})
    else if ((m = /^'(?:[^'\\]|\\.)'/.exec(rest))) out.push({kind: 'number', value: String(unquote(src, start, `"${m[0].slice(1, -1)}"`).codePointAt(0)), pos: start})
    else if ((m = /^[+-]?(0x[0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(rest))) out.push({kind: 'number', value: m[0], pos: start})
    else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      const w = m[0]
      out.push({kind: w === 'true' || w === 'false' ? 'bool' : w === 'nil' ? 'nil' : 'ident', value: w, pos: start})
    } else if ((m = /^:=/.exec(rest))) out.push({kind: 'declare', value: ':=', pos: start})
    else if ((m = /^[|()=,]/.exec(rest))) {
      const kind = ({'|': 'pipe', '(': 'lparen', ')': 'rparen', '=': 'assign', ',': 'comma'} as const)[c as '|']
      out.push({kind, value: c, pos: start})
    } else throw at(src, start, `unexpected ${JSON.stringify(c)} in command`)
    i += m[0].length
  }
}

function unquote(src: string, pos: number, q: string): string {
  try {
    return JSON.parse(q.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\([abfv'])/g, (_, e: string) => ({a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b', "'": "'"})[e]!))
  } catch {
    throw at(src, pos, `bad quoted string ${q}`)
  }
}
