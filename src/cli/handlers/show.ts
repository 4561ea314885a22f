import {findContainer} from '../../containers/find.js'
import {inspectView} from '../../containers/inspect.js'
import {followLogs} from '../../containers/logs.js'
import {printJson} from '../output.js'

// inspect and logs, once their flags are parsed (by oclif or by the fast path, cli/fast.ts).

export async function inspect(refs: string[], flags: {format?: string} = {}): Promise<void> {
  // As Docker: print what was found, then fail on the first name that was not.
  const out = []
  let missing: unknown
  for (const ref of refs) {
    try {
      out.push(inspectView(await findContainer(ref)))
    } catch (error) {
      missing ??= error
    }
  }
  if (out.length > 0) await printInspected(out, flags.format)
  if (missing) throw missing
}

/** JSON array, `--format json` the same, or one template output per object (loaded only then). */
export async function printInspected(objects: unknown[], format: string | undefined): Promise<void> {
  if (!format || format === 'json') return printJson(objects)
  process.stdout.write(await (await import('../inspect-format.js')).formatEach(format, objects))
}

export async function logs(ref: string, flags: {follow?: boolean; tail?: string; timestamps?: boolean; since?: string}): Promise<void> {
  const opts = {follow: flags.follow ?? false, tail: flags.tail, timestamps: flags.timestamps ?? false, since: flags.since}
  await followLogs(await findContainer(ref), opts, process.stdout, process.stderr)
}
