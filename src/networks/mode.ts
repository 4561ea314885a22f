import {UserError} from '../errors.js'

// --network values, as Docker takes them.
export type NetworkMode =
  | {kind: 'host'}
  | {kind: 'none'}
  | {kind: 'container'; ref: string}
  | {kind: 'network'; name: string}

/** --network when none is given (and `default`), as Docker's. */
export const DEFAULT_NETWORK = 'bridge'

export function parseNetworkMode(value: string | undefined): NetworkMode {
  const v = (value ?? DEFAULT_NETWORK).trim()
  if (v === 'host') return {kind: 'host'}
  if (v === 'none') return {kind: 'none'}
  if (v.startsWith('container:')) {
    const ref = v.slice('container:'.length)
    if (!ref) throw new UserError('--network container: needs a container name or id, e.g. --network container:web')
    return {kind: 'container', ref}
  }
  if (v === 'default') return {kind: 'network', name: DEFAULT_NETWORK}
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v)) {
    throw new UserError(`invalid network mode "${v}": use bridge, host, none, container:NAME or a network name`)
  }
  return {kind: 'network', name: v}
}
