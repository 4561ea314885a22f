import {at, TemplateError} from './lex.js'
import {FUNCS} from './funcs.js'
import {type Block, type Command, type Node, type Operand, type Pipeline, parse} from './parse.js'
import {GOMAP, isMap, show, STRUCT, truth, typeName} from './values.js'

// Evaluator of a parsed template against JSON-like data, with Go's text/template semantics. Pure.

export interface Options {
  /** Go's Option("missingkey=error"): a missing map key is an error instead of <no value> (Docker's inspect) */
  missingKey?: 'default' | 'error'
}

class Loop extends Error {
  constructor(readonly kind: 'break' | 'continue') {
    super(kind)
  }
}

type Scope = Array<[string, unknown]>

/** Parse and run a template once. Throws TemplateError with Go's wording. */
export function render(src: string, data: unknown, opts: Options = {}): string {
  return compile(src, opts)(data)
}

/** Parse once, run many times (one line per container). */
export function compile(src: string, opts: Options = {}): (data: unknown) => string {
  const tree = parse(src)
  return (data) => {
    const out: string[] = []
    new Runner(src, opts, out).list(tree, data, [['$', data]])
    return out.join('')
  }
}

class Runner {
  constructor(
    private readonly src: string,
    private readonly opts: Options,
    private readonly out: string[],
  ) {}

  private fail(pos: number, what: string, msg: string): TemplateError {
    return at(this.src, pos, `executing "" at <${what}>: ${msg}`, true)
  }

  list(nodes: Node[], dot: unknown, vars: Scope): void {
    const mark = vars.length
    for (const n of nodes) {
      switch (n.type) {
        case 'text':
          this.out.push(n.text)
          break
        case 'action': {
          const v = this.pipeline(n.pipe, dot, vars)
          if (n.pipe.decl.length === 0) this.out.push(show(v))
          break
        }
        case 'if':
        case 'with': {
          const inner = vars.length
          const v = this.pipeline(n.pipe, dot, vars)
          if (truth(v)) this.list(n.list, n.type === 'with' ? v : dot, vars)
          else this.list(n.else, dot, vars)
          vars.length = inner
          break
        }
        case 'range':
          this.range(n, dot, vars)
          break
        case 'break':
        case 'continue':
          throw new Loop(n.type)
      }
    }
    vars.length = mark // variables live until the end of the control structure that declared them
  }

  private range(n: Block, dot: unknown, vars: Scope): void {
    const mark = vars.length
    const decl = n.pipe.decl
    const v = this.pipeline({...n.pipe, decl: []}, dot, vars)
    let items: Array<[unknown, unknown]>
    if (Array.isArray(v)) items = v.map((e, i) => [i, e])
    else if (isMap(v) && !(STRUCT in v)) items = Object.keys(v).sort().map((k) => [k, v[k]])
    else if (typeof v === 'number' && Number.isInteger(v)) items = Array.from({length: Math.max(0, v)}, (_, i) => [i, i])
    else if (v === null || v === undefined) items = []
    else throw this.fail(n.pos, 'range', `range can't iterate over ${show(v)}`)
    if (items.length === 0) {
      this.list(n.else, dot, vars)
      return
    }
    for (const [k, e] of items) {
      if (decl.length === 1) vars.push([decl[0], e])
      if (decl.length === 2) vars.push([decl[0], k], [decl[1], e])
      try {
        this.list(n.list, e, vars)
      } catch (error) {
        if (!(error instanceof Loop)) throw error
        if (error.kind === 'break') break
      } finally {
        vars.length = mark
      }
    }
  }

  private pipeline(p: Pipeline, dot: unknown, vars: Scope): unknown {
    let value: unknown
    let has = false
    for (const cmd of p.cmds) {
      value = this.command(cmd, dot, vars, has ? [value] : [])
      has = true
    }
    if (p.decl.length > 0) {
      if (p.assign) {
        const slot = [...vars].reverse().find(([name]) => name === p.decl[0])
        if (!slot) throw this.fail(p.pos, p.decl[0], `undefined variable: ${p.decl[0]}`)
        slot[1] = value
      } else vars.push([p.decl[0], value])
    }
    return value
  }

  /** One command of a pipeline; `final` is the previous command's value, passed as the last argument. */
  private command(cmd: Command, dot: unknown, vars: Scope, final: unknown[]): unknown {
    const [first, ...rest] = cmd.args
    if (first.type === 'func') return this.call(first, rest, dot, vars, final)
    if (first.type === 'field') return this.fields(dot, first.names, first, rest, dot, vars, final)
    if (first.type === 'var') return this.fields(this.variable(first, vars), first.names, first, rest, dot, vars, final)
    if (first.type === 'sub') return this.fields(this.pipeline(first.pipe, dot, vars), first.names, first, rest, dot, vars, final)
    if (rest.length > 0 || final.length > 0) throw this.fail(cmd.pos, label(first), `can't give argument to non-function ${label(first)}`)
    return this.operand(first, dot, vars)
  }

  private operand(o: Operand, dot: unknown, vars: Scope): unknown {
    switch (o.type) {
      case 'dot':
        return dot
      case 'literal':
        return o.value
      case 'field':
        return this.fields(dot, o.names, o, [], dot, vars, [])
      case 'var':
        return this.fields(this.variable(o, vars), o.names, o, [], dot, vars, [])
      case 'sub':
        return this.fields(this.pipeline(o.pipe, dot, vars), o.names, o, [], dot, vars, [])
      case 'func':
        return this.call(o, [], dot, vars, [])
    }
  }

  private variable(o: Extract<Operand, {type: 'var'}>, vars: Scope): unknown {
    for (let i = vars.length - 1; i >= 0; i--) if (vars[i][0] === o.name) return vars[i][1]
    throw this.fail(o.pos, o.name, `undefined variable: ${o.name}`)
  }

  /** .A.B.C from `base`; the last one may be a method taking the command's arguments. */
  private fields(base: unknown, names: string[], o: Operand, args: Operand[], dot: unknown, vars: Scope, final: unknown[]): unknown {
    let cur = base
    names.forEach((name, i) => {
      const last = i === names.length - 1
      const what = label(o)
      if (cur === null || cur === undefined) throw this.fail(o.pos, what, `nil pointer evaluating interface {}.${name}`)
      if (!isMap(cur)) throw this.fail(o.pos, what, `can't evaluate field ${name} in type ${typeName(cur)}`)
      const struct = STRUCT in cur
      if (!Object.hasOwn(cur, name)) {
        if (struct) throw this.fail(o.pos, what, `can't evaluate field ${name} in type ${typeName(cur)}`)
        if (this.opts.missingKey === 'error' && !(GOMAP in cur)) throw this.fail(o.pos, what, `map has no entry for key "${name}"`)
        cur = undefined
      } else cur = cur[name]
      if (typeof cur === 'function') {
        const argv = last ? [...args.map((a) => this.operand(a, dot, vars)), ...final] : []
        try {
          cur = cur(...argv)
        } catch (error) {
          throw this.fail(o.pos, what, `error calling ${name}: ${(error as Error).message}`)
        }
        args = []
        final = []
      }
    })
    if (args.length > 0 || final.length > 0) throw this.fail(o.pos, label(o), `can't give argument to non-function ${label(o)}`)
    return cur
  }

  private call(f: Extract<Operand, {type: 'func'}>, args: Operand[], dot: unknown, vars: Scope, final: unknown[]): unknown {
    // and/or stop at the first argument that decides (Go 1.18)
    if (f.name === 'and' || f.name === 'or') {
      const all: Array<() => unknown> = [...args.map((a) => () => this.operand(a, dot, vars)), ...final.map((v) => () => v)]
      if (all.length === 0) throw this.fail(f.pos, f.name, `wrong number of args for ${f.name}: want at least 1 got 0`)
      let v: unknown
      for (const get of all) {
        v = get()
        if (truth(v) === (f.name === 'or')) return v
      }
      return v
    }
    const fn = FUNCS[f.name] // the parser has checked it exists
    try {
      return fn(...args.map((a) => this.operand(a, dot, vars)), ...final)
    } catch (error) {
      if (!(error instanceof TemplateError) || error.message.startsWith('template:')) throw error
      throw this.fail(f.pos, f.name, error.message)
    }
  }
}

function label(o: Operand): string {
  switch (o.type) {
    case 'field':
      return '.' + o.names.join('.')
    case 'var':
      return [o.name, ...o.names].join('.')
    case 'dot':
      return '.'
    case 'func':
      return o.name
    case 'literal':
      return JSON.stringify(o.value)
    case 'sub':
      return '(...)' + o.names.map((n) => '.' + n).join('')
  }
}
