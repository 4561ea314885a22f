import {UserError} from '../errors.js'

// --restart, as Docker reads it, and the decision the exit path makes with it. Pure.

export interface RestartPolicy {
  name: 'no' | 'always' | 'unless-stopped' | 'on-failure'
  /** on-failure:N; 0 = no limit */
  maxRetries: number
}

export function parseRestartPolicy(spec = 'no'): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(spec)
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure')) {
    throw new UserError(`invalid --restart "${spec}": use no, always, unless-stopped or on-failure[:N]`)
  }
  return {name: m[1] as RestartPolicy['name'], maxRetries: Number(m[2] ?? 0)}
}

/**
 * Whether an exited container starts again. A container stopped by `stop`/`rm`/`kill` never
 * does (Docker's `always` brings it back only when its daemon restarts, and there is none).
 */
export function shouldRestart(p: RestartPolicy, exitCode: number, restarts: number, stoppedByUser: boolean): boolean {
  if (stoppedByUser || p.name === 'no') return false
  if (p.name === 'on-failure') return exitCode !== 0 && (p.maxRetries === 0 || restarts < p.maxRetries)
  return true
}

/** Docker's back-off: 100 ms, doubling with each restart, at most a minute. */
export const restartDelay = (restarts: number) => Math.min(100 * 2 ** restarts, 60_000)
