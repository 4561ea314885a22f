import fs from 'node:fs/promises'
import path from 'node:path'
import {advertiseAddr, clusterClient, hostName, leaseTtl, storeSpec} from '../../../cluster/config.js'
import {EtcdClient, parseStoreUrl} from '../../../cluster/etcd.js'
import {UserError} from '../../../errors.js'
import {readJson, writeJsonAtomic} from '../../../state/files.js'
import {runtimeDir} from '../../../state/paths.js'
import {comment, note, shellLine} from '../../../kernel/runner.js'
import {firstHost, parseCidr, type Cidr} from '../../ipam/cidr.js'
import {keys, parseEntry, pickBlock, validConfig, validEndpoint, validHost, type EndpointEntry, type HostEntry, type OverlayConfig} from './model.js'

// This host's side of the cluster protocol, all of it etcd reads and transactions: its identity
// and lease, joining a network (claiming an address block), leaving it, and its endpoints.

export const overlayDir = () => path.join(runtimeDir(), 'overlay')

/** Who this host is and the lease it holds: written when it joins, read by its agent and its teardowns. */
export interface Identity {
  store: string
  host: string
  addr: string
  ttl: number
  lease: string
}

const identityFile = () => path.join(overlayDir(), 'host.json')
const validIdentity = (v: unknown) => typeof (v as Identity).store === 'string' && typeof (v as Identity).lease === 'string'

export async function readIdentity(): Promise<Identity | undefined> {
  return readJson<Identity>(identityFile(), validIdentity).catch(() => undefined)
}

export async function forgetIdentity(): Promise<void> {
  await fs.rm(identityFile(), {force: true})
}

/** --explain: the etcd writes as the etcdctl commands that would make them (leases in etcdctl's hex). */
const etcdctl = (argv: string[], why: string) => note(shellLine(['etcdctl', ...argv]), why)
const hexLease = (lease: string) => BigInt(lease).toString(16)

export const clientFor = (id: Identity) => new EtcdClient(parseStoreUrl(id.store))

/**
 * This host's identity with a live lease: the one on file if etcd still knows it, else a new
 * one. Uses the environment (MINIRUN_CLUSTER_STORE…) when set, else what the file remembers.
 */
export async function ensureIdentity(): Promise<{id: Identity; client: EtcdClient; fresh: boolean}> {
  const known = await readIdentity()
  const store = storeSpec() ?? known?.store
  if (!store) throw new UserError('overlay networks need a cluster store: set MINIRUN_CLUSTER_STORE=etcd://HOST:2379 on every host')
  const client = storeSpec() ? clusterClient() : new EtcdClient(parseStoreUrl(store))
  const host = process.env.MINIRUN_HOST_NAME || !known ? hostName() : known.host
  if (known && known.store === store && known.host === host && (await client.timeToLive(known.lease)) > 0) return {id: known, client, fresh: false}
  comment(`etcd: a new lease for host ${host}; its agent renews it, and everything this host puts lives under it`)
  const ttl = process.env.MINIRUN_OVERLAY_TTL || !known ? leaseTtl() : known.ttl
  const addr = process.env.MINIRUN_ADVERTISE_ADDR || !known ? await advertiseAddr(client) : known.addr
  const id: Identity = {store, host, addr, ttl, lease: await client.grant(ttl)}
  await fs.mkdir(overlayDir(), {recursive: true})
  await writeJsonAtomic(identityFile(), id)
  return {id, client, fresh: true}
}

export async function readConfig(client: EtcdClient, name: string): Promise<OverlayConfig | undefined> {
  const kv = await client.get(keys.network(name))
  return kv ? parseEntry(kv.value, validConfig) : undefined
}

export async function listConfigs(client: EtcdClient): Promise<OverlayConfig[]> {
  return (await client.list(keys.networks())).flatMap((kv) => parseEntry(kv.value, validConfig) ?? [])
}

export async function listHosts(client: EtcdClient, net: string): Promise<HostEntry[]> {
  return (await client.list(keys.hosts(net))).flatMap((kv) => parseEntry(kv.value, validHost) ?? [])
}

export async function listEndpoints(client: EtcdClient, net: string): Promise<EndpointEntry[]> {
  return (await client.list(keys.endpoints(net))).flatMap((kv) => parseEntry(kv.value, validEndpoint) ?? [])
}

/**
 * Become a peer of `cfg`: an address block held under this host's lease (claimed by a txn that
 * succeeds only if nobody holds it), and the host entry others build their tunnels from.
 * `previous`: the block this host used before (its containers still have addresses in it).
 */
export async function joinNetwork(client: EtcdClient, id: Identity, cfg: OverlayConfig, previous?: string): Promise<Cidr> {
  const subnet = parseCidr(cfg.subnet)
  const mine = async (block: string) => (await client.get(keys.block(cfg.name, block)))?.value === id.host
  let block: Cidr | undefined
  if (previous && ((await mine(previous)) || (await client.createAll([{key: keys.block(cfg.name, previous), value: id.host, lease: id.lease}])))) {
    block = parseCidr(`${previous}/${cfg.blockPrefix}`, {anyPrefix: true})
    await client.put(keys.block(cfg.name, previous), id.host, id.lease) // under the current lease
  } else if (previous) {
    throw new UserError(`another host took this host's address block ${previous} of network ${cfg.name} while its lease was lost; remove this host's containers on ${cfg.name} and run minirun system prune`)
  }
  for (let attempt = 0; !block && attempt < 64; attempt++) {
    const taken = new Set((await client.list(keys.blocks(cfg.name))).map((kv) => kv.key.split('/').pop()!))
    const pick = pickBlock(subnet, cfg.blockPrefix, taken)
    if (!pick) throw new UserError(`network ${cfg.name} (${cfg.subnet}) has no free /${cfg.blockPrefix} block left for this host; remove hosts from it or create a larger subnet`)
    if (await client.createAll([{key: keys.block(cfg.name, pick.network), value: id.host, lease: id.lease}])) block = pick
  }
  if (!block) throw new UserError(`could not claim an address block of network ${cfg.name}: other hosts kept taking them; try again`)
  comment(`etcd: block ${block.text} of ${cfg.name} claimed for host ${id.host} by a txn that puts /minirun/blocks/${cfg.name}/${block.network} only if it does not exist (create_revision == 0), under lease ${hexLease(id.lease)}`)
  const entry: HostEntry = {host: id.host, addr: id.addr, block: block.network}
  etcdctl(['put', `--lease=${hexLease(id.lease)}`, keys.host(cfg.name, id.host), JSON.stringify(entry)], `this host is a peer of ${cfg.name}: the others add a VXLAN flood entry to ${id.addr}`)
  await client.put(keys.host(cfg.name, id.host), JSON.stringify(entry), id.lease)
  return block
}

export async function leaveNetwork(client: EtcdClient, id: Identity, net: string, block?: string): Promise<void> {
  await client.delete(keys.host(net, id.host))
  if (block && (await client.get(keys.block(net, block)))?.value === id.host) await client.delete(keys.block(net, block))
}

export async function putEndpoint(client: EtcdClient, id: Identity, net: string, ep: EndpointEntry): Promise<void> {
  etcdctl(['put', `--lease=${hexLease(id.lease)}`, keys.endpoint(net, ep.id), JSON.stringify(ep)], `the container, for the other hosts' inspect and names (gone with this host's lease)`)
  await client.put(keys.endpoint(net, ep.id), JSON.stringify(ep), id.lease)
}

export async function deleteEndpoint(client: EtcdClient, net: string, containerId: string): Promise<void> {
  await client.delete(keys.endpoint(net, containerId))
}

/** The gateway of this host's block: the bridge's address, each host's own. */
export const blockGateway = (block: Cidr) => firstHost(block)
