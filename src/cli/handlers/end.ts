import {killContainer, removeContainer, stopContainer} from '../../containers/lifecycle.js'
import {UserError} from '../../errors.js'
import {startExplain} from '../explain.js'

// rm, stop and kill, once their flags are parsed (by oclif or by the fast path, cli/fast.ts).

export async function rm(refs: string[], flags: {force?: boolean; explain?: boolean}): Promise<void> {
  startExplain(flags.explain)
  let failed: unknown
  for (const ref of refs) {
    try {
      await removeContainer(ref, flags.force ?? false)
      process.stdout.write(ref + '\n')
    } catch (error) {
      failed ??= error
    }
  }
  if (failed) throw failed
}

export async function stop(refs: string[], flags: {time?: string | number}): Promise<void> {
  const time = seconds(flags.time ?? 10)
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
