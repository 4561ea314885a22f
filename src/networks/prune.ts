import {listContainers} from '../containers/find.js'
import {removeNetwork} from './manage.js'
import {BUILTIN, listNetworks} from './records.js'

// `network prune`: user-defined networks that no container (running or not) refers to.
// The default bridge, host and none always stay. Returns the names removed.
export async function pruneNetworks(): Promise<string[]> {
  const used = new Set<string>()
  for (const c of await listContainers()) {
    for (const n of Object.keys(c.networks)) used.add(n)
    used.add(c.hostConfig.networkMode)
  }
  const removed: string[] = []
  for (const net of await listNetworks()) {
    if ((BUILTIN as readonly string[]).includes(net.name) || used.has(net.name)) continue
    await removeNetwork(net.name)
    removed.push(net.name)
  }
  return removed
}
