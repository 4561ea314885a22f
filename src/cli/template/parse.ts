import {FUNCS} from './funcs.js'
import {at, lex, type Token} from './lex.js'

// Parser for Go's text/template: the tokens of lex.ts into a tree. Pure.

export type Operand =
  | {type: 'field'; names: string[]; pos: number} // .A.B
  | {type: 'var'; name: string; names: string[]; pos: number} // $x.A.B
  | {type: 'dot'; pos: number}
  | {type: 'func'; name: string; pos: number}
  | {type: 'literal'; value: unknown; pos: number}
  | {type: 'sub'; pipe: Pipeline; names: string[]; pos: number} // (pipeline).A.B

export interface Command {
  args: Operand[]
  pos: number
}

export interface Pipeline {
  decl: string[] // $i, $v :=
  assign: boolean // $x = (not :=)
  cmds: Command[]
  pos: number
}

export interface Block {
  type: 'if' | 'with' | 'range'
  pipe: Pipeline
  list: Node[]
  else: Node[]
  pos: number
}

export type Node = {type: 'text'; text: string} | {type: 'action'; pipe: Pipeline} | Block | {type: 'break' | 'continue'; pos: number}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block'])

export function parse(src: string): Node[] {
  const toks = lex(src)
  let i = 0
  const peek = (k = 0): Token | undefined => toks[i + k]
  const fail = (t: Token | undefined, msg: string) => at(src, t?.pos ?? src.length, msg)
  const expect = (kind: Token['kind'], what: string): Token => {
    const t = toks[i]
    if (t?.kind !== kind) throw fail(t, `unexpected ${t ? JSON.stringify(t.value) : 'EOF'} in ${what}`)
    i++
    return t
  }

  /** Nodes up to an {{else}} or {{end}} (returned, unconsumed past its keyword), or the end of input. */
  function list(inBlock: boolean, loop: boolean): {nodes: Node[]; stop?: 'else' | 'end'} {
    const nodes: Node[] = []
    while (i < toks.length) {
      const t = toks[i]
      if (t.kind === 'text') {
        nodes.push({type: 'text', text: t.value})
        i++
        continue
      }
      expect('open', 'action')
      const kw = peek()?.kind === 'ident' && KEYWORDS.has(peek()!.value) ? peek()!.value : undefined
      if (kw === 'end' || kw === 'else') {
        if (!inBlock) throw fail(peek(), `unexpected {{${kw}}}`)
        i++
        if (kw === 'end') expect('close', 'end')
        return {nodes, stop: kw}
      }
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        i++
        nodes.push(block(kw, loop))
        continue
      }
      if (kw === 'break' || kw === 'continue') {
        if (!loop) throw fail(peek(), `{{${kw}}} outside {{range}}`)
        const pos = peek()!.pos
        i++
        expect('close', kw)
        nodes.push({type: kw, pos})
        continue
      }
      if (kw) throw fail(peek(), `{{${kw}}} is not supported here`)
      const pipe = pipeline('command')
      expect('close', 'command')
      nodes.push({type: 'action', pipe})
    }
    if (inBlock) throw at(src, src.length, 'unexpected EOF')
    return {nodes}
  }

  function block(kind: 'if' | 'with' | 'range', loop: boolean): Node {
    const pos = toks[i - 1].pos
    const pipe = pipeline(kind)
    expect('close', kind)
    const body = list(true, loop || kind === 'range')
    let otherwise: Node[] = []
    if (body.stop === 'else') {
      // {{else if ...}} / {{else with ...}}: a nested block that shares our {{end}}
      const next = peek()
      if (next?.kind === 'ident' && (next.value === 'if' || next.value === 'with') && kind !== 'range') {
        i++
        otherwise = [block(next.value as 'if' | 'with', loop)]
      } else {
        expect('close', 'else')
        const rest = list(true, loop)
        if (rest.stop !== 'end') throw fail(peek(), 'expected end; found else')
        otherwise = rest.nodes
      }
    }
    return {type: kind, pipe, list: body.nodes, else: otherwise, pos}
  }

  function pipeline(context: string): Pipeline {
    const pos = peek()?.pos ?? src.length
    const decl: string[] = []
    let assign = false
    // $x := ..., $x = ..., $i, $v := ... (range only)
    if (peek()?.kind === 'var') {
      if (peek(1)?.kind === 'declare' || peek(1)?.kind === 'assign') {
        decl.push(toks[i].value)
        assign = peek(1)!.kind === 'assign'
        i += 2
      } else if (context === 'range' && peek(1)?.kind === 'comma' && peek(2)?.kind === 'var' && peek(3)?.kind === 'declare') {
        decl.push(toks[i].value, toks[i + 2].value)
        i += 4
      }
    }
    const cmds: Command[] = []
    for (;;) {
      cmds.push(command(context))
      if (peek()?.kind !== 'pipe') break
      i++
    }
    return {decl, assign, cmds, pos}
  }

  function command(context: string): Command {
    const pos = peek()?.pos ?? src.length
    const args: Operand[] = []
    while (peek() && peek()!.kind !== 'close' && peek()!.kind !== 'pipe' && peek()!.kind !== 'rparen') args.push(operand())
    if (args.length === 0) throw fail(peek(), `missing value for ${context}`)
    return {args, pos}
  }

  function operand(): Operand {
    const t = toks[i++]
    switch (t.kind) {
      case 'field':
        return {type: 'field', names: t.value.slice(1).split('.'), pos: t.pos}
      case 'var': {
        const [name, ...names] = t.value.split('.')
        return {type: 'var', name, names, pos: t.pos}
      }
      case 'dot':
        return {type: 'dot', pos: t.pos}
      case 'ident':
        if (KEYWORDS.has(t.value)) throw fail(t, `unexpected <${t.value}> in command`)
        if (!FUNCS[t.value] && t.value !== 'and' && t.value !== 'or') throw fail(t, `function "${t.value}" not defined`)
        return {type: 'func', name: t.value, pos: t.pos}
      case 'string':
        return {type: 'literal', value: t.value, pos: t.pos}
      case 'number':
        return {type: 'literal', value: Number(t.value), pos: t.pos}
      case 'bool':
        return {type: 'literal', value: t.value === 'true', pos: t.pos}
      case 'nil':
        return {type: 'literal', value: null, pos: t.pos}
      case 'lparen': {
        const pipe = pipeline('parenthesized pipeline')
        const close = expect('rparen', 'parenthesized pipeline')
        // (pipeline).Field: the field must touch the paren
        const next = peek()
        const names = next?.kind === 'field' && next.pos === close.pos + 1 ? (i++, next.value.slice(1).split('.')) : []
        return {type: 'sub', pipe, names, pos: t.pos}
      }
      default:
        throw fail(t, `unexpected ${JSON.stringify(t.value)} in operand`)
    }
  }

  return list(false, false).nodes
}
