import os from 'node:os'
import {listContainers} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import {links as readLinks} from '../kernel/ip.js'
import {run} from '../kernel/runner.js'
import {UserError} from '../errors.js'
import {formatPortsColumn} from '../networks/ports.js'
import {listNetworks} from '../networks/records.js'
import type {Link, Topology} from './model.js'

// Read the live topology: bridges and veths from the host's `ip`, each container's side from
// `ip` inside its namespace. Nothing is taken from the records that the kernel can answer.

async function addressOf(dev: string): Promise<string> {
  const res = await run(['ip', '-j', '-4', 'addr', 'show', 'dev', dev], {quiet: true, allowFail: true})
  const info = JSON.parse(res.stdout.trim() || '[]')[0]?.addr_info?.[0]
  return info ? `${info.local}/${info.prefixlen}` : ''
}

export async function readTopology(only?: string): Promise<Topology> {
  const nets = (await listNetworks()).filter((n) => !only || n.name === only)
  if (only && nets.length === 0 && only !== 'host' && only !== 'none') throw new UserError(`network ${only} not found (see minirun network ls)`)
  const hostLinks = await readLinks()
  const byIndex = new Map(hostLinks.map((l) => [l.ifindex, l]))
  const topo: Topology = {hostname: os.hostname(), bridges: [], parents: [], containers: [], links: []}
  for (const n of nets) {
    if ((n.driver === 'bridge' || n.driver === 'overlay') && n.bridge) {
      const br = hostLinks.find((l) => l.ifname === n.bridge)
      if (br) topo.bridges.push({network: n.name, name: br.ifname, ifindex: br.ifindex, address: await addressOf(br.ifname), subnet: n.subnet ?? ''})
    }
    if (n.driver === 'overlay' && n.bridge) {
      const tunnel = await (await import('../networks/drivers/overlay/vxlan.js')).readTunnel(n.name, n.bridge)
      if (tunnel) (topo.tunnels ??= []).push(tunnel)
    }
    if (n.driver === 'macvlan') {
      const p = hostLinks.find((l) => l.ifname === n.options.parent)
      if (p) topo.parents.push({network: n.name, name: p.ifname, ifindex: p.ifindex})
    }
  }
  const wanted = new Set(nets.map((n) => n.name))
  const all = (await listContainers()).filter((c) => liveStatus(c) === 'running')
  for (const c of all) {
    if (c.netnsOwner) continue
    const onNets = Object.keys(c.networks).filter((n) => wanted.has(n))
    if (only && onNets.length === 0 && c.hostConfig.networkMode !== only) continue
    const sharedBy = all.filter((o) => o.netnsOwner === c.id).map((o) => o.name)
    topo.containers.push({
      id: c.id,
      name: c.name,
      ip: Object.values(c.networks)[0]?.ip ?? '',
      ips: Object.fromEntries(Object.entries(c.networks).map(([n, a]) => [n, a.ip])),
      publish: c.hostConfig.ports.map((p) => ({hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol})),
      ports: c.hostConfig.ports.length > 0 ? formatPortsColumn(c.hostConfig.ports).split(', ') : [],
      mode: c.hostConfig.networkMode,
      pod: c.hostConfig.pod,
      sharedBy,
    })
    if (!c.netns) continue
    const inside = await readLinks(c.netns).catch(() => [])
    for (const name of onNets) {
      const att = c.networks[name]
      const ctr = inside.find((l) => l.ifname === att.ifname)
      if (!ctr) continue
      const net = nets.find((n) => n.name === name)!
      const peer = ctr.link_index ?? 0
      const link: Link = {
        kind: net.driver === 'macvlan' ? 'macvlan' : 'veth',
        network: name,
        attachedTo: net.driver === 'macvlan' ? net.options.parent : net.bridge ?? '',
        hostIf: net.driver === 'macvlan' ? net.options.parent : byIndex.get(peer)?.ifname ?? att.hostIfname ?? '',
        hostIndex: peer,
        ctrIf: ctr.ifname,
        ctrIndex: ctr.ifindex,
        ctrPeerIndex: peer,
        container: c.name,
        ip: att.ip,
        mac: ctr.address ?? att.mac,
      }
      topo.links.push(link)
    }
  }
  return topo
}
