import fs from 'node:fs/promises'
import path from 'node:path'
import type {EtcdClient} from '../../../cluster/etcd.js'
import {linkExists} from '../../../kernel/ip.js'
import type {NetworkRecord} from '../../records.js'
import type {Identity} from './cluster.js'
import {listEndpoints, listHosts} from './cluster.js'
import {floodTargets} from './model.js'
import {peersFile, type RemotePeer} from './peers.js'
import {syncFlood, vxlanName} from './vxlan.js'

// Bring this host's view of one overlay in line with etcd: the VXLAN flood list (one entry per
// other peer host) and the names of the other hosts' containers. Idempotent: the agent runs it
// on every change it sees, and `run` once when it joins.

export async function syncNetwork(client: EtcdClient, id: Identity, net: NetworkRecord): Promise<{peersChanged: boolean; floodChanged: boolean}> {
  const [hosts, endpoints] = await Promise.all([listHosts(client, net.name), listEndpoints(client, net.name)])
  let floodChanged = false
  const vx = vxlanName(net.bridge!)
  if (await linkExists(vx)) {
    const {added, removed} = await syncFlood(vx, floodTargets(hosts, id.host))
    floodChanged = added.length + removed.length > 0
  }
  // names only of names that are safe in /etc/hosts (another host wrote them)
  const ok = (n: string) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(n)
  const peers: RemotePeer[] = endpoints
    .filter((e) => e.host !== id.host)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => ({ip: e.ip, names: [...new Set([e.name, ...e.aliases, e.id.slice(0, 12)])].filter(ok)}))
  const file = peersFile(net.name)
  const text = JSON.stringify(peers)
  if ((await fs.readFile(file, 'utf8').catch(() => '')) === text) return {peersChanged: false, floodChanged}
  await fs.mkdir(path.dirname(file), {recursive: true})
  // the agent and a run may sync at once: each writes its own temporary file, the rename is atomic
  const tmp = `${file}.${process.pid}.tmp`
  await fs.writeFile(tmp, text)
  await fs.rename(tmp, file)
  return {peersChanged: true, floodChanged}
}

export async function forgetPeers(network: string): Promise<void> {
  await fs.rm(peersFile(network), {force: true})
}
