// "Did you mean ...?" for a mistyped command: the nearest known command by edit distance. Pure.

export function editDistance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]
}

/** The closest of `known` to `typed`, if it is close enough to be a typo. */
export function closest(typed: string, known: string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = editDistance(typed, k)
    if (d < bestD) (best = k), (bestD = d)
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined
}

/**
 * The one-line error for an unknown command. oclif joins the words it could not place into the
 * id ("ps extra" -> ps:extra) when the command takes no arguments: say that instead.
 */
export function notFoundMessage(id: string, known: string[]): string {
  const words = id.split(':')
  for (let n = words.length - 1; n > 0; n--) {
    const cmd = words.slice(0, n).join(' ')
    if (known.includes(cmd)) return `"minirun ${cmd}" does not take the argument ${words.slice(n).join(' ')}; see 'minirun ${cmd} --help'`
  }
  const typed = words.join(' ')
  const hint = closest(typed, known)
  return `'${typed}' is not a minirun command${hint ? `; did you mean '${hint}'?` : ''} See 'minirun --help'`
}
