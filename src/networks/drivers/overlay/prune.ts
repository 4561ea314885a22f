import fs from 'node:fs/promises'
import {storeSpec} from '../../../cluster/config.js'
import {EtcdClient, parseStoreUrl} from '../../../cluster/etcd.js'
import {deleteOwnedLink, links, ownsLink} from '../../../kernel/ip.js'
import {listNetworks} from '../../records.js'
import {agentPid, ensureAgent, stopAgent} from './agent-control.js'
import {clientFor, forgetIdentity, overlayDir, readIdentity} from './cluster.js'
import {leaveHost, unusedHere} from './driver.js'
import {keys, parseEntry, splitKey, validEndpoint} from './model.js'
import {hostName} from '../../../cluster/config.js'

// `system prune` for overlays (under the store lock, after dead containers are gone): leave every
// overlay no live container here uses, remove tunnel ends and bridges no record names, delete
// this host's keys in etcd that no live container stands behind, and make sure the agent runs
// exactly when there is an overlay left. etcd unreachable: the local part is done anyway.

export async function pruneOverlay(isLive: (containerId: string) => boolean): Promise<string[]> {
  const out: string[] = []
  const overlays = (await listNetworks()).filter((n) => n.driver === 'overlay')
  // a host that never joined an overlay: nothing to look at (no process, no etcd request)
  if (overlays.length === 0 && !(await fs.stat(overlayDir()).catch(() => undefined))) return out
  const id = await readIdentity()
  const store = storeSpec() ?? id?.store
  const client = id ? clientFor(id) : store ? new EtcdClient(parseStoreUrl(store)) : undefined
  for (const net of overlays) {
    if (!(await unusedHere(net))) continue
    await leaveHost(net, client, id)
    out.push(`overlay ${net.name}: this host left it`)
  }
  const known = new Set((await listNetworks()).flatMap((n) => (n.driver === 'overlay' && n.bridge ? [n.bridge, n.bridge.replace(/^mro-/, 'mrv-')] : [])))
  for (const l of await links()) {
    if (!/^mr[ov]-/.test(l.ifname) || known.has(l.ifname) || !(await ownsLink(l.ifname))) continue
    await deleteOwnedLink(l.ifname, 'an overlay bridge or tunnel end whose network this host has left')
    out.push(`overlay link ${l.ifname}`)
  }
  if (client) out.push(...(await pruneKeys(client, id?.host ?? hostName(), isLive).catch(() => [])))
  const left = (await listNetworks()).some((n) => n.driver === 'overlay')
  if (!left) {
    if (await agentPid()) (await stopAgent(), out.push('overlay agent'))
    await forgetIdentity()
    await fs.rm(overlayDir(), {recursive: true, force: true})
  } else await ensureAgent()
  return out
}

/** This host's keys with nothing behind them: endpoints of dead containers, entries of networks it left. */
async function pruneKeys(client: EtcdClient, host: string, isLive: (id: string) => boolean): Promise<string[]> {
  const out: string[] = []
  const joined = new Set((await listNetworks()).filter((n) => n.driver === 'overlay').map((n) => n.name))
  for (const kv of await client.list(keys.endpoints())) {
    const k = splitKey(kv.key)
    const ep = parseEntry(kv.value, validEndpoint)
    if (!k || ep?.host !== host || (joined.has(k.net) && isLive(ep.id))) continue
    await client.delete(kv.key)
    out.push(`etcd ${kv.key}`)
  }
  for (const kind of ['hosts', 'blocks'] as const) {
    for (const kv of await client.list(`/minirun/${kind}/`)) {
      const k = splitKey(kv.key)
      const mine = kind === 'hosts' ? k?.leaf === host : kv.value === host
      if (!k || !mine || joined.has(k.net)) continue
      await client.delete(kv.key)
      out.push(`etcd ${kv.key}`)
    }
  }
  return out
}
