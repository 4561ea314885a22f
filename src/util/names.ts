import {UserError} from '../errors.js'

// Validation of what users type for names and -e. Pure.

/** Docker's name rule: a letter or digit, then at least one of [a-zA-Z0-9_.-] (so 2+ characters). */
export const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
/** Names become file names (records, IPAM dirs): keep them well under NAME_MAX. */
export const MAX_NAME = 64

/** Built-in networks: always exist, cannot be created or removed. */

export function validateName(kind: 'container' | 'network' | 'pod', name: string): string {
  if (!NAME.test(name)) {
    throw new UserError(`invalid ${kind} name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`)
  }
  if (name.length > MAX_NAME) throw new UserError(`invalid ${kind} name "${name.slice(0, 20)}...": at most ${MAX_NAME} characters`)
  return name
}


/**
 * One -e value → "KEY=VALUE". The key may hold anything but "=" and NUL (Docker is that lax too).
 * A bare "KEY" takes its value from minirun's own environment, as `docker run -e KEY` does; when
 * KEY is unset there, Docker leaves the variable out — here it becomes "KEY=" (empty), because
 * callers expect one entry per -e. Use expandEnv() to get Docker's exact behaviour.
 */
export function validateEnv(entry: string, env: NodeJS.ProcessEnv = process.env): string {
  const i = entry.indexOf('=')
  const key = i === -1 ? entry : entry.slice(0, i)
  if (key === '') throw new UserError(`invalid environment variable "${entry}": the name before "=" is empty; use -e KEY=VALUE`)
  if (entry.includes('\0')) throw new UserError(`invalid environment variable "${key}": it contains a NUL byte`)
  return i === -1 ? `${key}=${env[key] ?? ''}` : entry
}

/** Every -e value validated; bare keys unset in `env` are dropped, exactly as Docker does. */
export function expandEnv(entries: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return entries.flatMap((e) => {
    const full = validateEnv(e, env)
    return e.includes('=') || env[e] !== undefined ? [full] : []
  })
}
