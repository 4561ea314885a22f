import {sleep} from '../../../kernel/proc.js'
import {listNetworks, readNetwork} from '../../records.js'
import {clientFor, ensureIdentity, joinNetwork, putEndpoint, readConfig, readIdentity, type Identity} from './cluster.js'
import {ROOT, splitKey, type EndpointEntry} from './model.js'
import {syncNetwork} from './sync.js'

// The agent of one host (`minirun network overlay-agent`, started on demand): it renews the
// host's etcd lease and follows the cluster with one watch on /minirun/. A change under hosts/
// or endpoints/ of a network this host has joined brings its flood list and the other hosts'
// names (hosts files of the network's resolver here) up to date (sync.ts). A resync at every renewal covers anything a broken watch missed.
// If the lease was lost anyway (etcd away longer than the TTL), it takes a new one and puts this
// host's block, host entry and endpoints back. It ends when this host has no overlay left.

export interface AgentHooks {
  /** this host's live endpoints on `network`, to put back under a new lease */
  localEndpoints(network: string, host: string): Promise<EndpointEntry[]>
  log(line: string): void
}

const joined = async () => (await listNetworks()).filter((n) => n.driver === 'overlay').map((n) => n.name)

export async function runAgent(hooks: AgentHooks): Promise<void> {
  let id = await readIdentity()
  if (!id) return hooks.log('no overlay identity on this host: nothing to do')
  let client = clientFor(id)
  const stop = new AbortController()
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => stop.abort())

  const pending = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  const flush = async () => {
    timer = undefined
    const nets = [...pending]
    pending.clear()
    for (const name of nets) {
      const net = await readNetwork(name).catch(() => undefined)
      if (net?.driver !== 'overlay') continue
      try {
        await syncNetwork(client, id!, net)
      } catch (error) {
        hooks.log(`sync ${name}: ${(error as Error).message}`)
      }
    }
  }
  const schedule = (name: string) => {
    pending.add(name)
    timer ??= setTimeout(() => void flush(), 20) // a burst of events (30 runs) is one sync
  }

  const watching = (async () => {
    while (!stop.signal.aborted) {
      try {
        for (const n of await joined()) schedule(n) // catch up on what happened while not watching
        await client.watch(ROOT, undefined, (events) => {
          for (const e of events) {
            const k = splitKey(e.kv.key)
            if (k && (k.kind === 'hosts' || k.kind === 'endpoints')) schedule(k.net)
          }
        }, stop.signal)
      } catch (error) {
        if (stop.signal.aborted) break
        hooks.log(`watch: ${(error as Error).message}; again in 1 s`)
        await sleep(1000)
      }
    }
  })()

  while (!stop.signal.aborted) {
    const nets = await joined()
    if (nets.length === 0) break
    const now = await readIdentity()
    if (now && now.lease !== id.lease) (id = now), (client = clientFor(now)) // a run took a new lease
    try {
      if (!(await client.keepAlive(id.lease))) {
        hooks.log(`lease ${id.lease} expired: taking a new one and putting this host back`)
        id = await reregister(nets, hooks)
        client = clientFor(id)
      }
      for (const n of nets) schedule(n)
    } catch (error) {
      hooks.log(`renew: ${(error as Error).message}`)
    }
    await Promise.race([sleep(Math.max(500, (id.ttl * 1000) / 3)), new Promise((r) => stop.signal.addEventListener('abort', r))])
  }
  stop.abort()
  await watching
  if (timer) clearTimeout(timer)
}

async function reregister(nets: string[], hooks: AgentHooks): Promise<Identity> {
  const {id, client} = await ensureIdentity()
  for (const name of nets) {
    const [cfg, net] = await Promise.all([readConfig(client, name), readNetwork(name)])
    if (!cfg || !net) continue
    await joinNetwork(client, id, cfg, net.options.block?.split('/')[0])
    for (const ep of await hooks.localEndpoints(name, id.host)) await putEndpoint(client, id, name, ep)
  }
  return id
}
