import fs from 'node:fs/promises'
import path from 'node:path'
import {ipBatch, links} from '../kernel/ip.js'
import {run} from '../kernel/runner.js'
import {transaction} from '../kernel/rollback.js'
import {readJson, writeJsonAtomic} from '../state/files.js'
import {withLock} from '../state/lock.js'
import {rootDir} from '../state/paths.js'
import {attachNetwork} from '../networks/attach.js'
import type {EndpointRequest, NetworkAttachment} from '../networks/driver.js'
import {bridgeNetworks} from '../networks/drivers/bridge-network.js'
import {bridgeDriver, removeBridgeIfUnused} from '../networks/drivers/bridge.js'
import {readNetwork, writeNetwork, type NetworkRecord} from '../networks/records.js'
import {addressIn, cniResult, type CniResult} from './cni-result.js'
import {CODES, CniError, type PluginRequest} from './request.js'

// ADD, CHECK and DEL of the plugin: the bridge driver's setup and teardown for one endpoint,
// under the store lock, with the endpoint's attachment kept so DEL and CHECK know what ADD made.

interface EndpointRecord {
  containerId: string
  ifname: string
  netns: string
  network: string
  attachment: NetworkAttachment
}

const endpointFile = (id: string) => path.join(rootDir(), 'cni-endpoints', `${id}.json`)

function endpointRequest(req: PluginRequest, id: string): EndpointRequest {
  return {containerId: id, containerName: `${req.containerId.slice(0, 12)}/${req.ifname}`, netns: req.netns, ifname: req.ifname, requestedIp: req.config.ip, ports: req.config.ports, aliases: []}
}

/** The network record of the config's name: made (with its bridge) on the first ADD; a record that disagrees with the config is refused. */
async function ensureNetwork(req: PluginRequest): Promise<NetworkRecord> {
  const c = req.config
  return withLock(async () => {
    const net = (await readNetwork(c.name)) ?? (await createNetwork(req))
    const differs = net.driver !== 'bridge' || (c.subnet && c.subnet !== net.subnet) || (c.gateway && c.gateway !== net.gateway) || (c.bridge && c.bridge !== net.bridge)
    if (differs) throw new CniError(CODES.invalidConfig, `network ${c.name} exists in ${rootDir()} with bridge ${net.bridge}, subnet ${net.subnet}, gateway ${net.gateway}: the configuration asks for others`, 'DEL every container on it, or use another name or stateDir')
    return net
  })
}

async function createNetwork(req: PluginRequest): Promise<NetworkRecord> {
  const c = req.config
  const net = await bridgeNetworks.create({name: c.name, driver: 'bridge', subnet: c.subnet, gateway: c.gateway, options: c.bridge ? {'com.docker.network.bridge.name': c.bridge} : {}}).catch((error: Error) => {
    throw new CniError(CODES.invalidConfig, `network ${c.name}: ${error.message}`)
  })
  // no resolver: a pod's DNS is the runtime's business (kubelet writes its resolv.conf), and a plugin leaves no daemon behind
  const rec = {...net, noResolver: true}
  await writeNetwork(rec)
  return rec
}

export async function add(req: PluginRequest, id: string): Promise<CniResult> {
  const net = await ensureNetwork(req)
  const att = await withLock(() => transaction(async (rb) => {
    // a second ADD without DEL (the spec forbids it) must not reach the rollback, which would undo the first one's veth and lease
    if (await fs.stat(endpointFile(id)).then(() => true, () => false)) {
      throw new CniError(CODES.failed, `container ${req.containerId} already has ${req.ifname} on network ${net.name}`, 'DEL it first')
    }
    const a = await attachNetwork(endpointRequest(req, id), net, rb)
    if (req.config.mac) {
      await ipBatch([`link set dev ${req.ifname} address ${req.config.mac}`], {netns: req.netns, why: 'runtimeConfig.mac: the MAC the runtime asked for'})
      a.mac = req.config.mac
    }
    const rec: EndpointRecord = {containerId: req.containerId, ifname: req.ifname, netns: req.netns, network: net.name, attachment: a}
    await fs.mkdir(path.dirname(endpointFile(id)), {recursive: true})
    await writeJsonAtomic(endpointFile(id), rec)
    return a
  }))
  const hostLinks = new Map((await links()).map((l) => [l.ifname, l.address]))
  return cniResult(att, {
    cniVersion: req.config.cniVersion,
    bridge: {name: net.bridge!, mac: hostLinks.get(net.bridge!)},
    hostVeth: {name: att.hostIfname!, mac: hostLinks.get(att.hostIfname!)},
    netns: req.netns,
    defaultRoute: req.ifname === 'eth0',
    dns: req.config.dns,
  }, req.config.prevResult)
}

/** DEL: idempotent. Whatever is left of the endpoint goes (the namespace may be gone); the last endpoint out takes the bridge and its rules. */
export async function del(req: PluginRequest, id: string): Promise<void> {
  const net = await readNetwork(req.config.name)
  if (!net) return // no ADD ever made it
  const rec = await readJson<EndpointRecord>(endpointFile(id)).catch(() => undefined)
  // without a record (a crash before it was written) the ports come from the DEL's own runtimeConfig, as libcni sends the ADD's
  const att = rec?.attachment ?? ({ports: req.config.ports} as NetworkAttachment)
  await withLock(async () => {
    // never from inside a namespace: DEL's CNI_NETNS need not be ADD's (it may even be the host's), and a
    // recorded path may name another namespace by now. The host end goes after its ownership check, its peer with it.
    await bridgeDriver.teardown({...endpointRequest(req, id), netns: '', ports: att.ports ?? [], network: net}, att)
    await fs.rm(endpointFile(id), {force: true})
    await removeBridgeIfUnused(net)
  })
}

/** CHECK: the interface, its address and route inside the namespace, and the host end on the bridge, as ADD left them. */
export async function check(req: PluginRequest, id: string): Promise<void> {
  const rec = await readJson<EndpointRecord>(endpointFile(id)).catch(() => undefined)
  if (!rec) throw new CniError(CODES.unknownContainer, `no endpoint of container ${req.containerId} on ${req.ifname} in network ${req.config.name}`)
  const att = rec.attachment
  const want = `${att.ip}/${att.prefixLen}`
  const fail = (msg: string) => new CniError(CODES.failed, `CHECK: ${msg}`)
  if (addressIn(req.config.prevResult!, req.ifname, req.netns) !== want) throw fail(`prevResult does not give ${req.ifname} the address ${want}`)
  const inside = await run(['nsenter', `--net=${req.netns}`, '--', 'ip', '-j', 'addr', 'show', 'dev', req.ifname], {quiet: true, allowFail: true})
  const iface = inside.exitCode === 0 ? (JSON.parse(inside.stdout || '[]') as Array<{flags?: string[]; address?: string; addr_info?: Array<{family: string; local: string; prefixlen: number}>}>)[0] : undefined
  if (!iface) throw fail(`${req.ifname} is missing in ${req.netns}`)
  if (!iface.flags?.includes('UP')) throw fail(`${req.ifname} is down`)
  if (iface.address !== att.mac) throw fail(`${req.ifname} has MAC ${iface.address}, not ${att.mac}`)
  if (!iface.addr_info?.some((a) => a.family === 'inet' && `${a.local}/${a.prefixlen}` === want)) throw fail(`${req.ifname} lacks ${want}`)
  if (req.ifname === 'eth0') {
    const routes = await run(['nsenter', `--net=${req.netns}`, '--', 'ip', '-j', 'route', 'show', 'default'], {quiet: true})
    if (!(JSON.parse(routes.stdout || '[]') as Array<{gateway?: string; dev?: string}>).some((r) => r.gateway === att.gateway && r.dev === req.ifname)) throw fail(`no default route via ${att.gateway} on ${req.ifname}`)
  }
  const hostEnd = (await links()).find((l) => l.ifname === att.hostIfname)
  const net = await readNetwork(rec.network)
  if (!hostEnd || hostEnd.master !== net?.bridge) throw fail(`the host end ${att.hostIfname} is not on bridge ${net?.bridge}`)
}
