import type {EtcdClient} from '../../../cluster/etcd.js'
import {linkExists} from '../../../kernel/ip.js'
import {hostsEntry} from '../../dns/config.js'
import {contains, parseCidr} from '../../ipam/cidr.js'
import {writeNames} from '../../dns/resolver.js'
import type {NetworkRecord} from '../../records.js'
import type {Identity} from './cluster.js'
import {listEndpoints, listHosts} from './cluster.js'
import {floodTargets} from './model.js'
import {syncFlood, vxlanName} from './vxlan.js'

// Bring this host's view of one overlay in line with etcd: the VXLAN flood list (one entry per
// other peer host) and the names of the other hosts' containers, as hosts files in the
// network's resolver directory on this host (dns/resolver.ts; this host's own containers are
// written there by the ordinary names sync). Idempotent: the agent runs it on every change it
// sees, and `run` once when it joins.

export async function syncNetwork(client: EtcdClient, id: Identity, net: NetworkRecord): Promise<{namesChanged: boolean; floodChanged: boolean}> {
  const [hosts, endpoints] = await Promise.all([listHosts(client, net.name), listEndpoints(client, net.name)])
  let floodChanged = false
  const vx = vxlanName(net.bridge!)
  if (await linkExists(vx)) {
    const {added, removed} = await syncFlood(vx, floodTargets(hosts, id.host))
    floodChanged = added.length + removed.length > 0
  }
  // another host wrote these: hostsEntry keeps only valid DNS names, and the file name is a checked id
  const subnet = parseCidr(net.subnet!)
  const remote = new Map<string, string>()
  for (const e of endpoints) {
    if (e.host === id.host || !/^[0-9a-f]{12,64}$/.test(e.id) || !contains(subnet, e.ip)) continue
    const text = hostsEntry(e.ip, [e.name, ...e.aliases, e.id.slice(0, 12)])
    if (text) remote.set(e.id, text)
  }
  const namesChanged = await writeNames(net.name, remote, 'remote')
  return {namesChanged, floodChanged}
}
