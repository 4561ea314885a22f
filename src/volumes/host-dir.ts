import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import type {Rollback} from '../kernel/rollback.js'
import {note, shellQuote} from '../kernel/runner.js'

// `-v /new/dir:/data`: Docker creates a missing bind source as a directory. minirun does too, for
// an absolute, normalised path only, and undoes it (empty directories it made, deepest first)
// when the run fails, so a failed command leaves nothing behind.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

export async function ensureBindSource(hostPath: string, rb: Rollback): Promise<void> {
  if (await fs.lstat(hostPath).catch(() => undefined)) return
  if (!path.isAbsolute(hostPath) || CONTROL.test(hostPath) || hostPath.split('/').includes('..')) {
    throw new UserError(`volume source ${JSON.stringify(hostPath)} does not exist and is not a plain absolute path; create it first`)
  }
  // the directories that are missing, outermost first: those are ours to remove on failure
  const missing: string[] = []
  for (let p = hostPath; p !== '/' && !(await fs.lstat(p).catch(() => undefined)); p = path.dirname(p)) missing.unshift(p)
  rb.push('volume source', async () => {
    for (const d of [...missing].reverse()) await fs.rmdir(d).catch(() => {})
  })
  note(`mkdir -p ${shellQuote(hostPath)}`, 'a missing volume source is created, as Docker does')
  await fs.mkdir(hostPath, {recursive: true, mode: 0o755})
}
