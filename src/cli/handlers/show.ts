import {findContainer} from '../../containers/find.js'
import {inspectView} from '../../containers/inspect.js'
import {followLogs} from '../../containers/logs.js'
import {printJson} from '../output.js'

// inspect and logs, once their flags are parsed (by oclif or by the fast path, cli/fast.ts).

export async function inspect(refs: string[]): Promise<void> {
  const out = []
  for (const ref of refs) out.push(inspectView(await findContainer(ref)))
  printJson(out)
}

export async function logs(ref: string, flags: {follow?: boolean}): Promise<void> {
  await followLogs(await findContainer(ref), flags.follow ?? false, process.stdout)
}
