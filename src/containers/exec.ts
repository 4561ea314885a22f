import {UserError} from '../errors.js'
import {isAlive, signal} from '../kernel/proc.js'
import {spawnAttached} from '../kernel/runner.js'
import {validateEnv} from '../networks/names.js'
import {effectiveCaps} from './capabilities.js'
import {mergeEnv} from './create.js'
import {findContainer} from './find.js'
import {containerEnv} from './lifecycle.js'
import {execArgv} from './launch.js'

export async function execInContainer(ref: string, command: string[], opts: {env: string[]; workdir?: string; interactive: boolean; tty: boolean}): Promise<number> {
  const rec = await findContainer(ref)
  if (rec.state.status !== 'running' || !isAlive(rec.state.pid, rec.state.pidStart)) {
    throw new UserError(`container ${rec.name} is not running; start a new one with minirun run`)
  }
  const env = containerEnv({...rec, config: {...rec.config, env: mergeEnv(rec.config.env, opts.env.map((e) => validateEnv(e)))}})
  if (opts.tty) env.TERM ??= 'xterm'
  const argv = execArgv({
    pid: rec.state.pid,
    argv: command,
    workdir: opts.workdir ?? rec.config.workdir,
    caps: effectiveCaps(rec.hostConfig.capAdd, rec.hostConfig.capDrop, rec.hostConfig.privileged),
    privileged: rec.hostConfig.privileged,
  })
  const child = await spawnAttached(argv, {stdin: opts.interactive, env})
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
