import fs from 'node:fs'

// Docker's "Are you sure you want to continue? [y/N]": on a terminal or from a pipe, one line
// is read from stdin; only y (or yes) is yes, and no answer at all (EOF) is no.
export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(`${question} [y/N] `)
  const answer = await readLine()
  if (!process.stdin.isTTY) process.stdout.write('\n')
  return /^y(es)?$/i.test(answer.trim())
}

/** One line from stdin, read byte by byte so nothing after it is consumed. */
async function readLine(): Promise<string> {
  const bytes: number[] = []
  const one = Buffer.alloc(1)
  for (;;) {
    let n: number
    try {
      n = fs.readSync(0, one, 0, 1, null)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EAGAIN') {
        await new Promise((r) => setTimeout(r, 20))
        continue
      }
      return Buffer.from(bytes).toString() // EOF-like: closed or no stdin
    }
    if (n === 0 || one[0] === 0x0a) return Buffer.from(bytes).toString()
    bytes.push(one[0])
  }
}
