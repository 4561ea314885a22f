import os from 'node:os'
import {UserError} from '../errors.js'
import {run} from '../kernel/runner.js'
import {EtcdClient, parseStoreUrl} from './etcd.js'

// Who this host is in the cluster: the store (MINIRUN_CLUSTER_STORE), its name
// (MINIRUN_HOST_NAME, default the hostname) and the underlay address its tunnels use
// (MINIRUN_ADVERTISE_ADDR, default the source address of the route to the store, as Docker's
// --advertise-addr defaults to the interface that reaches the cluster).

export function storeSpec(): string | undefined {
  return process.env.MINIRUN_CLUSTER_STORE || undefined
}

export function clusterClient(): EtcdClient {
  const spec = storeSpec()
  if (!spec) throw new UserError('overlay networks need a cluster store: set MINIRUN_CLUSTER_STORE=etcd://HOST:2379 on every host')
  return new EtcdClient(parseStoreUrl(spec))
}

export function hostName(): string {
  const name = process.env.MINIRUN_HOST_NAME || os.hostname()
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) throw new UserError(`host name "${name}" cannot be a cluster key; set MINIRUN_HOST_NAME to letters, digits, _ . -`)
  return name
}

/** Seconds a host's lease lives without its agent renewing it. */
export function leaseTtl(): number {
  const ttl = Number(process.env.MINIRUN_OVERLAY_TTL || 15)
  if (!Number.isInteger(ttl) || ttl < 2 || ttl > 3600) throw new UserError(`MINIRUN_OVERLAY_TTL=${process.env.MINIRUN_OVERLAY_TTL} is not a whole number of seconds between 2 and 3600`)
  return ttl
}

export async function advertiseAddr(client: EtcdClient): Promise<string> {
  const given = process.env.MINIRUN_ADVERTISE_ADDR
  if (given) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(given)) throw new UserError(`MINIRUN_ADVERTISE_ADDR=${given} is not an IPv4 address`)
    return given
  }
  const storeHost = new URL(client.endpoints[0]).hostname
  const r = await run(['ip', '-j', 'route', 'get', storeHost], {allowFail: true, quiet: true})
  const src = r.exitCode === 0 ? (JSON.parse(r.stdout) as Array<{prefsrc?: string}>)[0]?.prefsrc : undefined
  if (!src) throw new UserError(`cannot tell this host's underlay address (no route to the cluster store ${storeHost}); set MINIRUN_ADVERTISE_ADDR`)
  return src
}
