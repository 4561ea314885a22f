// Docker-style argv: flags end at the first positional (the image, or the container for exec);
// everything after it belongs to the container's command, even if it looks like a flag.
interface FlagDef {
  type: 'boolean' | 'option'
  char?: string
}

export function splitAtPositional(argv: string[], flags: Record<string, FlagDef>): {own: string[]; positional: string | undefined; rest: string[]} {
  const byChar = new Map(Object.values(flags).filter((f) => f.char).map((f) => [f.char!, f]))
  const own: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') return {own, positional: argv[i + 1], rest: argv.slice(i + 2)}
    if (!a.startsWith('-') || a === '-') return {own, positional: a, rest: argv.slice(i + 1)}
    own.push(a)
    if (a.startsWith('--')) {
      const name = a.slice(2)
      if (!name.includes('=') && flags[name]?.type === 'option' && i + 1 < argv.length) own.push(argv[++i])
      continue
    }
    // -dit, -p80:80, -e K=V: the last char of a cluster may take the next word as its value
    const cluster = a.slice(1)
    for (let j = 0; j < cluster.length; j++) {
      const f = byChar.get(cluster[j])
      if (f?.type === 'option') {
        if (j === cluster.length - 1 && i + 1 < argv.length) own.push(argv[++i])
        break
      }
    }
  }
  return {own, positional: undefined, rest: []}
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
  const flags: Parsed['flags'] = {}
  const args: string[] = []
  const byName = new Map<string, [string, ManifestFlag]>()
  const byChar = new Map<string, [string, ManifestFlag]>()
  for (const [name, f] of Object.entries(cmd.flags)) {
    for (const n of [name, ...(f.aliases ?? [])]) byName.set(n, [name, f])
    if (f.char) byChar.set(f.char, [name, f])
  }
  const set = ([name, f]: [string, ManifestFlag], value: string | true): boolean => {
    if (f.type === 'boolean') return value === true && ((flags[name] = true), true)
    if (value === true || (f.options && !f.options.includes(value))) return false
    // push, not a spread copy: 20,000 -e flags must cost 20,000 steps, not 200 million
    if (f.multiple) ((flags[name] as string[] | undefined) ?? (flags[name] = [])).push(value)
    else flags[name] = value
    return true
  }
  const valueAt = (i: number): string | undefined => (i < argv.length && !/^-./.test(argv[i]) ? argv[i] : undefined)
  let rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      if (tail) {
        if (i + 1 < argv.length) (args.push(argv[i + 1]), (rest = argv.slice(i + 2)))
      } else args.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      const def = byName.get(eq < 0 ? a.slice(2) : a.slice(2, eq))
      if (!def) return undefined
      const value = eq >= 0 ? a.slice(eq + 1) : def[1].type === 'boolean' ? true : valueAt(++i)
      if (value === undefined || !set(def, value)) return undefined
      continue
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const def = byChar.get(a[j])
        if (!def) return undefined
        if (def[1].type === 'boolean') {
          set(def, true)
          continue
        }
        const value = j < a.length - 1 ? a.slice(j + 1) : valueAt(++i)
        if (value === undefined || !set(def, value)) return undefined
        break
      }
      continue
    }
    args.push(a)
    if (tail) {
      rest = argv.slice(i + 1)
      break
    }
  }
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
