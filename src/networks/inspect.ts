import {listContainers} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import type {NetworkRecord} from './records.js'

// Docker's `network inspect` shape.
export async function networkView(net: NetworkRecord) {
  const containers: Record<string, object> = {}
  for (const c of await listContainers()) {
    const a = c.networks[net.name]
    if (!a || c.netnsOwner || liveStatus(c) !== 'running') continue
    containers[c.id] = {Name: c.name, EndpointID: c.id, MacAddress: a.mac, IPv4Address: `${a.ip}/${a.prefixLen}`, IPv6Address: ''}
  }
  const options: Record<string, string> = {...net.options}
  if (net.bridge) options['com.docker.network.bridge.name'] = net.bridge
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: 'local',
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: {Driver: 'default', Options: {}, Config: net.subnet ? [{Subnet: net.subnet, Gateway: net.gateway, ...(net.options['ip-range'] ? {IPRange: net.options['ip-range']} : {})}] : []},
    Internal: false,
    Containers: containers,
    Options: options,
    Labels: {},
    ...(net.driver === 'macvlan'
      ? {Notes: 'macvlan: the host cannot reach its own macvlan children through the parent interface (the parent does not hairpin to its children); create the network with -o host_shim=true to add a host-side macvlan interface and a route that make them reachable.'}
      : {}),
  }
}
