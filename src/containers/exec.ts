import {UserError} from '../errors.js'
import {isAlive, signal} from '../kernel/proc.js'
import {spawnAttached, spawnDetached} from '../kernel/runner.js'
import {validateEnv} from '../util/names.js'
import {findContainer} from './find.js'
import {processSpec} from './process-spec.js'
import {execArgv, HOST_ENV} from './launch.js'

export interface ExecOptions {
  env: string[]
  workdir?: string
  interactive: boolean
  tty: boolean
  /** -u: another user of the image than the container's */
  user?: string
  /** -d: start it and return; its output goes nowhere (as Docker's exec -d) */
  detach?: boolean
}

export async function execInContainer(ref: string, command: string[], opts: ExecOptions): Promise<number> {
  const rec = await findContainer(ref)
  if (rec.state.status !== 'running' || !isAlive(rec.state.pid, rec.state.pidStart)) {
    throw new UserError(`container ${rec.name} is not running; start a new one with minirun run`)
  }
  if (rec.state.paused) throw new UserError(`container ${rec.name} is paused; unpause it first (minirun unpause ${rec.name})`)
  const extra = opts.env.map((e) => validateEnv(e))
  const spec = await processSpec(rec, extra, opts.user ?? rec.config.user)
  if (opts.tty && !spec.env.some((e) => e.startsWith('TERM='))) spec.env.push('TERM=xterm')
  const argv = execArgv({...spec, pid: rec.state.pid, pidStart: rec.state.pidStart, argv: command, workdir: opts.workdir ?? spec.workdir, tty: opts.tty, stdin: opts.interactive && !opts.detach, detached: opts.detach})
  if (opts.detach) {
    await spawnDetached(argv, {logFile: '/dev/null', env: {...HOST_ENV}, why: 'exec -d: the command runs on by itself'})
    return 0
  }
  const child = await spawnAttached(argv, {stdin: opts.interactive, env: {...HOST_ENV}})
  const forward = (sig: NodeJS.Signals) => signal(child.pid, sig)
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  try {
    return await child.done
  } finally {
    process.off('SIGINT', forward)
    process.off('SIGTERM', forward)
  }
}
