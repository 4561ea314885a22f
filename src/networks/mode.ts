import {UserError} from '../errors.js'

// --network values, as Docker takes them.
export type NetworkMode =
  | {kind: 'host'}
  | {kind: 'none'}
  | {kind: 'container'; ref: string}
  | {kind: 'network'; name: string}

export function parseNetworkMode(value: string | undefined): NetworkMode {
  const v = (value ?? 'bridge').trim()
  if (v === 'host') return {kind: 'host'}
  if (v === 'none') return {kind: 'none'}
  if (v.startsWith('container:')) {
    const ref = v.slice('container:'.length)
    if (!ref) throw new UserError('--network container: needs a container name or id, e.g. --network container:web')
    return {kind: 'container', ref}
  }
  if (v === 'default') return {kind: 'network', name: 'bridge'}
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v)) {
    throw new UserError(`invalid network mode "${v}": use bridge, host, none, container:NAME or a network name`)
  }
  return {kind: 'network', name: v}
}
