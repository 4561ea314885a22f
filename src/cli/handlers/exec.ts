import fs from 'node:fs/promises'
import {execInContainer} from '../../containers/exec.js'
import {parseEnvFile} from '../../containers/run-options.js'
import {UserError} from '../../errors.js'

// exec, once its flags are parsed (by oclif or by the fast path, cli/fast.ts): in a file of its
// own so that exec does not load what run needs to create a container.

export async function exec(ref: string, command: string[], flags: {interactive?: boolean; tty?: boolean; env?: string[]; workdir?: string; user?: string; detach?: boolean; 'env-file'?: string[]}): Promise<void> {
  if (command.length === 0) throw new UserError('exec needs a command, e.g. minirun exec web sh')
  if (flags.tty && flags.interactive && !flags.detach) requireTerminal()
  const env = [...(await envFiles(flags['env-file'] ?? [])), ...(flags.env ?? [])]
  process.exitCode = await execInContainer(ref, command, {env, workdir: flags.workdir, interactive: flags.interactive ?? false, tty: flags.tty ?? false, user: flags.user, detach: flags.detach})
}

/** --env-file FILE...: their KEY=VALUE lines, in order (later -e flags override them). */
export async function envFiles(files: string[]): Promise<string[]> {
  const out: string[] = []
  for (const f of files) {
    const text = await fs.readFile(f, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read --env-file ${f}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
    })
    out.push(...parseEnvFile(text, f))
  }
  return out
}

/** Docker's rule: -it relays a terminal, so stdin must be one. */
export function requireTerminal(): void {
  if (!process.stdin.isTTY) throw new UserError('the input device is not a TTY; drop -t (or -i), or run it from a terminal', 1)
}
