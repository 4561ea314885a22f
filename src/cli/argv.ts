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
