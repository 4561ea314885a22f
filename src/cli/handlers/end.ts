import {killContainer, removeContainer, stopContainer} from '../../containers/lifecycle.js'
import {UserError} from '../../errors.js'
import {resolveContainerId} from '../../containers/find.js'
import {recordFile} from '../../containers/record.js'
import {salvageContainer} from '../../containers/salvage.js'
import {CorruptStateError} from '../../state/files.js'
import {startExplain} from '../explain.js'
import {removeAnonymousVolumes} from '../../volumes/store.js'

// rm, stop and kill, once their flags are parsed (by oclif or by the fast path, cli/fast.ts).

export async function rm(refs: string[], flags: {force?: boolean; volumes?: boolean; explain?: boolean}): Promise<void> {
  startExplain(flags.explain)
  let failed: unknown
  for (const ref of refs) {
    try {
      // Docker's CLI: rm -f of a name that does not exist says so on stderr and is not a failure
      if (flags.force && !(await resolveContainerId(ref).catch(() => 'ambiguous'))) {
        process.stderr.write(`Error: no such container: ${ref.length > 80 ? ref.slice(0, 60) + '...' : ref}\n`)
        continue
      }
      const rec = await removeContainer(ref, flags.force ?? false).catch((error) => forceUnreadable(ref, flags.force ?? false, error))
      if (flags.volumes && rec) await removeAnonymousVolumes(rec, (m) => process.stderr.write(m + '\n'))
      process.stdout.write(ref + '\n')
    } catch (error) {
      failed ??= error
    }
  }
  if (failed) throw failed
}

export async function stop(refs: string[], flags: {time?: string | number}): Promise<void> {
  const time = flags.time === undefined ? undefined : seconds(flags.time)
  for (const ref of refs) {
    await stopContainer(ref, time)
    process.stdout.write(ref + '\n')
  }
}

export async function kill(refs: string[], flags: {signal?: string}): Promise<void> {
  for (const ref of refs) {
    await killContainer(ref, flags.signal ?? 'KILL')
    process.stdout.write(ref + '\n')
  }
}

export function seconds(v: string | number): number {
  const s = String(v).trim()
  if (!/^\d+$/.test(s)) throw new UserError(`invalid time "${v}": use a whole number of seconds, e.g. -t 0`)
  return Number(s)
}

/**
 * rm -f of a container whose own record cannot be read: end its processes and release its kernel
 * objects from its id alone (containers/salvage.ts). Anything else is rethrown.
 */
async function forceUnreadable(ref: string, force: boolean, error: unknown): Promise<void> {
  const id = force && error instanceof CorruptStateError ? await resolveContainerId(ref).catch(() => undefined) : undefined
  if (!id || (error as CorruptStateError).file !== recordFile(id)) throw error
  const s = await salvageContainer(id)
  process.stderr.write(`WARNING: the record of container ${id.slice(0, 12)} was unreadable (${(error as CorruptStateError).reason}); ended ${s.killed.length} processes, released its kernel objects and moved its state to ${s.movedTo ?? '(nothing left)'}\n`)
}
