import {isAlive} from '../kernel/proc.js'
import {transaction} from '../kernel/rollback.js'
import {UserError} from '../errors.js'
import {withLock} from '../state/lock.js'
import {attachNetwork, detachNetwork, ensureNetworkReady, publishesPorts, publishOn} from '../networks/attach.js'
import {endpointOf} from './endpoint.js'
import {refreshHosts} from './etc.js'
import {findContainer} from './find.js'
import {type ContainerRecord, readRecord, writeRecord} from './record.js'

// network connect / disconnect: one more (or one less) interface in a running container.

async function runningOwnNetns(ref: string): Promise<ContainerRecord> {
  const rec = await findContainer(ref)
  if (rec.state.status !== 'running' || !isAlive(rec.state.pid, rec.state.pidStart)) throw new UserError(`container ${rec.name} is not running`)
  if (!rec.netns || rec.netnsOwner) throw new UserError(`container ${rec.name} uses network mode ${rec.hostConfig.networkMode}: it has no interfaces of its own to connect`)
  return rec
}

async function saveAttachment(id: string, network: string, att: import('../networks/driver.js').NetworkAttachment | undefined): Promise<void> {
  await withLock(async () => {
    const cur = (await readRecord(id))!
    if (att) cur.networks[network] = att
    else delete cur.networks[network]
    await writeRecord(cur)
  })
}

export async function connect(network: string, ref: string, ip?: string): Promise<void> {
  const rec = await runningOwnNetns(ref)
  const net = await ensureNetworkReady(network)
  if (rec.networks[net.name]) throw new UserError(`container ${rec.name} is already connected to network ${net.name}`)
  const used = new Set(Object.values(rec.networks).map((a) => a.ifname))
  let n = 0
  while (used.has(`eth${n}`)) n++
  await transaction(async (rb) => {
    // A container whose ports no attachment holds (disconnected from all) gets them back on
    // this one, as Docker restores them.
    const held = Object.values(rec.networks).some((a) => a.ports?.length)
    const ports = !held && (await publishesPorts(net.name)) ? rec.hostConfig.ports.map((p) => ({...p})) : []
    const att = await attachNetwork(endpointOf(rec, `eth${n}`, {requestedIp: ip, ports}), net, rb)
    await saveAttachment(rec.id, net.name, att)
  })
  await refreshHosts([net.name, ...Object.keys(rec.networks)])
}

export async function disconnect(network: string, ref: string): Promise<void> {
  const rec = await runningOwnNetns(ref)
  const att = rec.networks[network]
  if (!att) throw new UserError(`container ${rec.name} is not connected to network ${network}`)
  await detachNetwork(endpointOf(rec, att.ifname), att)
  await saveAttachment(rec.id, network, undefined)
  // The ports were on the attachment just removed: the next one that can publish takes them over.
  if (att.ports?.length) {
    for (const [name, other] of Object.entries(rec.networks)) {
      if (name === network || !(await publishesPorts(name))) continue
      const moved = await transaction((rb) => publishOn(endpointOf(rec, other.ifname), other, att.ports!.map((p) => ({...p})), rb))
      await saveAttachment(rec.id, name, moved)
      break
    }
  }
  await refreshHosts([network, ...Object.keys(rec.networks)])
}
