import type {EndpointRequest} from '../networks/driver.js'
import {readRecord, type ContainerRecord} from './record.js'

/** What the network wing needs to know of a container: ids, its namespace, and how to name another one. */
export function endpointOf(rec: ContainerRecord, ifname: string, more: Partial<EndpointRequest> = {}): EndpointRequest {
  return {
    containerId: rec.id,
    containerName: rec.name,
    netns: rec.netns!,
    ifname,
    ports: [],
    aliases: [rec.name],
    nameOf: containerName,
    ...more,
  }
}

/** A container's name, or undefined when its record is gone or unreadable. */
export async function containerName(id: string): Promise<string | undefined> {
  return (await readRecord(id).catch(() => undefined))?.name
}
