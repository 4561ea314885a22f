import {findContainer} from '../containers/find.js'
import {refreshHosts} from '../containers/etc.js'
import {isAlive} from '../kernel/proc.js'
import {transaction} from '../kernel/rollback.js'
import {type ContainerRecord, readRecord, writeRecord} from '../containers/record.js'
import {UserError} from '../errors.js'
import {withLock} from '../state/lock.js'
import {attachNetwork, detachNetwork, ensureNetworkReady} from './attach.js'
import {publishPorts} from './publish.js'
import {readNetwork} from './records.js'

// network connect / disconnect: one more (or one less) interface in a running container.

async function runningOwnNetns(ref: string): Promise<ContainerRecord> {
  const rec = await findContainer(ref)
  if (rec.state.status !== 'running' || !isAlive(rec.state.pid, rec.state.pidStart)) throw new UserError(`container ${rec.name} is not running`)
  if (!rec.netns || rec.netnsOwner) throw new UserError(`container ${rec.name} uses network mode ${rec.hostConfig.networkMode}: it has no interfaces of its own to connect`)
  return rec
}

export async function connect(network: string, ref: string, ip?: string): Promise<void> {
  const rec = await runningOwnNetns(ref)
  const net = await ensureNetworkReady(network)
  if (rec.networks[net.name]) throw new UserError(`container ${rec.name} is already connected to network ${net.name}`)
  const used = new Set(Object.values(rec.networks).map((a) => a.ifname))
  let n = 0
  while (used.has(`eth${n}`)) n++
  await transaction(async (rb) => {
    // The first network holds the published ports (attach.ts): a container that has none left
    // (disconnected from all) gets them back on this one, as Docker restores them.
    const ports = Object.keys(rec.networks).length === 0 && net.driver === 'bridge' ? rec.hostConfig.ports.map((p) => ({...p})) : []
    const att = await attachNetwork(rec, net, {ifname: `eth${n}`, requestedIp: ip, ports, aliases: [rec.name]}, rb)
    await withLock(async () => {
      const cur = (await readRecord(rec.id))!
      cur.networks[net.name] = att
      await writeRecord(cur)
    })
  })
  await refreshHosts([net.name, ...Object.keys(rec.networks)])
}

export async function disconnect(network: string, ref: string): Promise<void> {
  const rec = await runningOwnNetns(ref)
  const att = rec.networks[network]
  if (!att) throw new UserError(`container ${rec.name} is not connected to network ${network}`)
  await detachNetwork(rec, network, att)
  await withLock(async () => {
    const cur = (await readRecord(rec.id))!
    delete cur.networks[network]
    await writeRecord(cur)
  })
  // The ports were on the network just left: the next one (now first) takes them over.
  const [next] = Object.entries(rec.networks).filter(([name]) => name !== network)
  if (Object.keys(rec.networks)[0] === network && next && rec.hostConfig.ports.length > 0 && (await readNetwork(next[0]))?.driver === 'bridge') {
    await transaction((rb) => withLock(() => publishPorts(rec.id, next[1].ip, rec.hostConfig.ports.map((p) => ({...p})), rb)))
  }
  await refreshHosts([network, ...Object.keys(rec.networks)])
}
