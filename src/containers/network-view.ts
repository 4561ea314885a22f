import {driverFor} from '../networks/drivers/index.js'
import type {NetworkRecord} from '../networks/records.js'
import {listContainers} from './find.js'
import {liveStatus} from './inspect.js'

// Docker's `network inspect` shape: the network, its driver's own fields, and the running
// containers with an endpoint on it.
export async function networkView(net: NetworkRecord) {
  const containers: Record<string, object> = {}
  for (const c of await listContainers()) {
    const a = c.networks[net.name]
    if (!a || liveStatus(c) !== 'running') continue
    containers[c.id] = {Name: c.name, EndpointID: c.id, MacAddress: a.mac, IPv4Address: `${a.ip}/${a.prefixLen}`, IPv6Address: ''}
  }
  const driver = await driverFor(net.driver)
  const own = driver.describe(net)
  const view = {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: driver.inspect ? 'global' : 'local',
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: {Driver: 'default', Options: {}, Config: net.subnet ? [{Subnet: net.subnet, Gateway: net.gateway, ...(net.options['ip-range'] ? {IPRange: net.options['ip-range']} : {})}] : []},
    Internal: false,
    Containers: containers,
    Options: {...net.options, ...own.options},
    Labels: {},
    ...(own.notes ? {Notes: own.notes} : {}),
  }
  return driver.inspect ? {...view, ...(await driver.inspect(net))} : view
}

/** Networks any container (running or not) refers to: `network prune` keeps them. */
export async function networksInUse(): Promise<Set<string>> {
  const used = new Set<string>()
  for (const c of await listContainers()) {
    for (const n of Object.keys(c.networks)) used.add(n)
    for (const e of c.hostConfig.endpoints ?? []) used.add(e.network)
    used.add(c.hostConfig.networkMode)
  }
  return used
}
