// The --explain transcript, made readable and still replayable by a shell. Pure: the runner's
// raw chunks in, printable lines out. Three things change the raw text:
// - long store paths become shell variables, defined on first use (C=…/containers/<id>, then $C/rootfs);
// - command lines longer than the width are wrapped with `\` continuations between words;
// - long comments are wrapped onto more `# ` lines.
// Heredoc bodies are kept byte for byte, except that a body whose only `$` would be ours is
// opened unquoted (<<MINIRUN_EOF) so the shell expands the variables in it.

export interface TranscriptOptions {
  /** MINIRUN_ROOT and MINIRUN_RUNTIME_DIR, absolute */
  root: string
  runtime: string
  width?: number
}

interface Var {
  name: string
  value: string
}

const HEX64 = '[0-9a-f]{64}'
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function createTranscript(opts: TranscriptOptions): (chunk: string) => string[] {
  const width = opts.width ?? 100
  const vars: Var[] = []
  let pausePid: string | undefined
  const kinds: Array<{re: RegExp; base: string}> = [
    {re: new RegExp(`${escapeRe(opts.root)}/containers/${HEX64}`, 'g'), base: 'C'},
    {re: new RegExp(`${escapeRe(opts.runtime)}/netns/${HEX64}`, 'g'), base: 'NS'},
    {re: new RegExp(`${escapeRe(opts.root)}/images/${HEX64}`, 'g'), base: 'IMG'},
  ]

  /** The variable for a path, made (and announced in `defs`) on first sight. */
  const varFor = (value: string, base: string, defs: string[]): string => {
    let v = vars.find((x) => x.value === value)
    if (!v) {
      const n = vars.filter((x) => x.name.replace(/\d+$/, '') === base).length
      v = {name: n === 0 ? base : `${base}${n + 1}`, value}
      vars.push(v)
      defs.push(`${v.name}=${value}`)
    }
    return v.name
  }
  /** Substitute outside single quotes only: inside them the shell would not expand a variable. */
  const substitute = (text: string, defs: string[]): string =>
    text.split(/('[^']*')/).map((part) => (part.startsWith("'") ? part : substituteAll(part, defs))).join('')
  const substituteAll = (text: string, defs: string[]): string => {
    let out = text
    for (const k of kinds) {
      out = out.replace(k.re, (m, offset: number, whole: string) => {
        const name = varFor(m, k.base, defs)
        return /[\w]/.test(whole[offset + m.length] ?? '') ? `\${${name}}` : `$${name}`
      })
    }
    return out
  }

  return (chunk: string): string[] => {
    if (chunk.startsWith('\n')) return ['', ...format(chunk.slice(1))]
    return format(chunk)
  }

  function format(chunk: string): string[] {
    if (chunk.startsWith('#')) return wrapComment(chunk, width)
    const nl = chunk.indexOf('\n')
    const head = nl < 0 ? chunk : chunk.slice(0, nl)
    const body = nl < 0 ? undefined : chunk.slice(nl + 1)
    const defs: string[] = []
    let cmd = substitute(head, defs)
    // a pod member joins the pause process's namespaces by PID: the PAUSE line above finds it again
    if (pausePid !== undefined) cmd = cmd.split(`/proc/${pausePid}/ns/`).join('/proc/$PAUSE/ns/')
    const pause = /^PAUSE=.*  # (\d+)$/.exec(cmd)
    if (pause) {
      pausePid = pause[1]
      cmd = cmd.slice(0, cmd.lastIndexOf('  # '))
    }
    let rest = body
    // A quoted heredoc keeps its body literal; open it only when nothing in it is a `$` or `\` of its own.
    const quoted = /<<'(\w+)'$/.exec(cmd)
    if (body !== undefined && quoted && !/[$\\`]/.test(body)) {
      const sub = substitute(body, defs)
      if (sub !== body) {
        rest = sub
        cmd = cmd.replace(/<<'(\w+)'$/, '<<$1')
      }
    }
    return [...defs, ...wrapCommand(cmd, width), ...(rest === undefined ? [] : rest.split('\n'))]
  }
}

/** Words of a shell line, split at spaces outside quotes (a quoted string stays one word). */
export function shellWords(line: string): string[] {
  const words: string[] = []
  let cur = ''
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quote) {
      if (ch === quote) quote = undefined
      cur += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      cur += ch
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += ch + line[++i]
    } else if (ch === ' ') {
      if (cur) words.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur) words.push(cur)
  return words
}

/** Wrap a command with ` \` continuations, indented four spaces; a flag stays with its value. */
export function wrapCommand(line: string, width: number): string[] {
  if (line.length <= width) return [line]
  // units: a flag and the words after it up to the next flag (`--bind SRC DST rw`)
  const units: string[] = []
  for (const w of shellWords(line)) {
    if (units.length === 0 || w.startsWith('-') || units[units.length - 1].length + w.length > width / 2) units.push(w)
    else units[units.length - 1] += ` ${w}`
  }
  const lines: string[] = []
  let cur = ''
  for (const u of units) {
    const indent = lines.length === 0 ? '' : '    '
    if (cur && indent.length + cur.length + 1 + u.length > width - 2) {
      lines.push(indent + cur + ' \\')
      cur = u
    } else cur = cur ? `${cur} ${u}` : u
  }
  lines.push((lines.length === 0 ? '' : '    ') + cur)
  return lines
}

/** `# text` wrapped at word boundaries, each line a comment. */
export function wrapComment(chunk: string, width: number): string[] {
  const out: string[] = []
  for (const line of chunk.split('\n')) {
    if (line.length <= width) {
      out.push(line)
      continue
    }
    const words = line.replace(/^#\s?/, '').split(' ')
    let cur = '#'
    for (const w of words) {
      if (cur.length > 2 && cur.length + 1 + w.length > width) {
        out.push(cur)
        cur = `#   ${w}`
      } else cur = `${cur} ${w}`
    }
    out.push(cur)
  }
  return out
}
