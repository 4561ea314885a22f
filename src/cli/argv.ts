// Docker-style argv: flags end at the first positional (the image, or the container for exec);
// everything after it belongs to the container's command, even if it looks like a flag.
// One scanner (scanArgv) serves both parsers: the fast path's (parseManifestArgv) and the
// split oclif is handed (splitAtPositional), so the two cannot disagree on where flags end.

/** What the scanner needs of a flag: oclif's Flags objects and the manifest both have this shape. */
export interface FlagDef {
  type: 'boolean' | 'option'
  char?: string
  aliases?: string[]
}

export interface Scan<F extends FlagDef> {
  /** the flags as given: name, definition, value (true for a boolean; undefined when the value is missing) */
  flags: Array<{name: string; def: F; value: string | true | undefined}>
  /** the words that are flags or their values (everything before the first positional or `--`) */
  own: string[]
  args: string[]
  rest: string[]
  /** a flag no definition names: the line is for oclif to judge */
  unknown: boolean
}

export function scanArgv<F extends FlagDef>(argv: string[], defs: Record<string, F>, tail: boolean): Scan<F> {
  const byName = new Map<string, [string, F]>()
  const byChar = new Map<string, [string, F]>()
  for (const [name, f] of Object.entries(defs)) {
    for (const n of [name, ...(f.aliases ?? [])]) byName.set(n, [name, f])
    if (f.char) byChar.set(f.char, [name, f])
  }
  const out: Scan<F> = {flags: [], own: [], args: [], rest: [], unknown: false}
  const valueAt = (i: number): string | undefined => (i < argv.length && !/^-./.test(argv[i]) ? argv[i] : undefined)
  let i = 0
  for (; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      if (!tail) out.args.push(...argv.slice(i + 1))
      else if (i + 1 < argv.length) (out.args.push(argv[i + 1]), (out.rest = argv.slice(i + 2)))
      break
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      const def = byName.get(eq < 0 ? a.slice(2) : a.slice(2, eq))
      if (!def) {
        out.unknown = true
        continue
      }
      const value = eq >= 0 ? a.slice(eq + 1) : def[1].type === 'boolean' ? true : valueAt(i + 1)
      if (eq < 0 && def[1].type === 'option' && value !== undefined) i++
      out.flags.push({name: def[0], def: def[1], value})
      continue
    }
    if (a.startsWith('-') && a.length > 1) {
      // -dit, -p80:80, -e K=V: an option ends the cluster, with the rest of it or the next word as its value
      for (let j = 1; j < a.length; j++) {
        const def = byChar.get(a[j])
        if (!def) {
          out.unknown = true
          break
        }
        if (def[1].type === 'boolean') {
          out.flags.push({name: def[0], def: def[1], value: true})
          continue
        }
        const value = j < a.length - 1 ? a.slice(j + 1) : valueAt(i + 1)
        if (j === a.length - 1 && value !== undefined) i++
        out.flags.push({name: def[0], def: def[1], value})
        break
      }
      continue
    }
    out.args.push(a)
    if (tail) {
      out.rest = argv.slice(i + 1)
      break
    }
  }
  out.own = argv.slice(0, i)
  return out
}

/** The oclif path's split: minirun's own flags, the image (or container), and the command after it. */
export function splitAtPositional(argv: string[], flags: Record<string, FlagDef>): {own: string[]; positional: string | undefined; rest: string[]} {
  const s = scanArgv(argv, flags, true)
  return {own: s.own, positional: s.args[0], rest: s.rest}
}

/** A flag as the oclif manifest describes it. */
export interface ManifestFlag {
  type: 'boolean' | 'option'
  char?: string
  multiple?: boolean
  default?: unknown
  options?: string[]
  aliases?: string[]
}

export interface ManifestCommand {
  flags: Record<string, ManifestFlag>
  args: Record<string, {required?: boolean}>
  strict?: boolean
}

export interface Parsed {
  flags: Record<string, boolean | string | string[]>
  /** positionals (for a `tail` command: the image or container, then nothing) */
  args: string[]
  /** for a `tail` command: the words after its first positional, untouched */
  rest: string[]
}

/**
 * The fast path's parser (cli/fast.ts), driven by the oclif manifest. It only accepts the plain
 * forms (--flag, --flag=v, --flag v, -f v, -fv, clusters of booleans -dit); anything else
 * (--help, unknown flags, a bad option value, a missing argument) returns undefined, and oclif
 * parses the line instead and reports the problem its own way. `tail`: flags end at the first
 * positional (run IMAGE CMD..., exec CONTAINER CMD...).
 */
export function parseManifestArgv(argv: string[], cmd: ManifestCommand, tail: boolean): Parsed | undefined {
  const scan = scanArgv(argv, cmd.flags, tail)
  if (scan.unknown) return undefined
  const flags: Parsed['flags'] = {}
  for (const {name, def: f, value} of scan.flags) {
    if (value === undefined) return undefined
    if (f.type === 'boolean') {
      if (value !== true) return undefined
      flags[name] = true
      continue
    }
    if (value === true || (f.options && !f.options.includes(value))) return undefined
    // push, not a spread copy: 20,000 -e flags must cost 20,000 steps, not 200 million
    if (f.multiple) ((flags[name] as string[] | undefined) ?? (flags[name] = [])).push(value)
    else flags[name] = value
  }
  const {args, rest} = scan
  const declared = Object.values(cmd.args)
  if (args.length < declared.filter((d) => d.required).length) return undefined
  if (!tail && cmd.strict !== false && args.length > declared.length) return undefined
  for (const [name, f] of Object.entries(cmd.flags)) if (flags[name] === undefined && f.default !== undefined) flags[name] = f.default as string | boolean
  return {flags, args, rest}
}

/**
 * Find `--explain=FILE` among a command's own flags (before `--`, and for run/exec/create before
 * the image or container) and turn it into `--explain`. Pure: returns the new argv and FILE.
 */
export function takeExplainFile(argv: string[], flags: Record<string, FlagDef>, tail: boolean): {argv: string[]; file?: string} {
  const end = tail ? splitAtPositional(argv, flags).own.length : argv.includes('--') ? argv.indexOf('--') : argv.length
  let file: string | undefined
  const out = argv.map((a, i) => {
    if (i >= end || !a.startsWith('--explain=')) return a
    file = a.slice('--explain='.length)
    return '--explain'
  })
  return file ? {argv: out, file} : {argv}
}
