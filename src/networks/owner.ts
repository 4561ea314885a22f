import {describeOwner} from '../state/paths.js'

// Whose is this kernel object? minirun marks what it makes (a link's ifalias, the owner rule of
// its nft table) with its root's mark, and reuses or deletes only what carries that mark: not a
// host interface that happens to have the name, not another root's object whose tag collides.
// Pure: the messages for a name minirun will not touch.

export interface LinkFacts {
  kind?: string
  alias?: string
}

/**
 * Why minirun must not use `name` as its bridge, or undefined when it may (absent, or a bridge
 * this root made). An existing bridge minirun did not make is refused, not adopted as Docker
 * does: minirun would add its gateway address, a sysctl and nft rules to the host's bridge, and
 * a teardown could never tell what to take back.
 */
export function bridgeRefusal(name: string, link: LinkFacts | undefined, mark: string): string | undefined {
  if (!link || link.alias === mark) return undefined
  if (link.alias?.startsWith('minirun:')) {
    return `bridge ${name} belongs to ${describeOwner(link.alias)}, not this one (MINIRUN_ROOT tags collide); remove that root's networks first or use another MINIRUN_ROOT`
  }
  const what = link.kind === 'bridge' ? 'a bridge' : `a ${link.kind ?? 'network'} interface`
  return `interface ${name} already exists (${what} minirun did not create) and minirun never takes over or deletes it; choose another name with -o com.docker.network.bridge.name, or remove ${name}`
}

/** Why minirun must not touch its nft table as found (another root's, or unmarked), or undefined. */
export function tableRefusal(table: string, owner: string | undefined, mark: string): string | undefined {
  if (owner === mark) return undefined
  if (owner?.startsWith('minirun:')) {
    return `nft table ip ${table} belongs to ${describeOwner(owner)}, not this one (MINIRUN_ROOT tags collide); remove that root's containers first or use another MINIRUN_ROOT`
  }
  return `nft table ip ${table} exists without this minirun root's ownership mark (made by hand or by an older minirun); delete it with 'nft delete table ip ${table}' once nothing uses it`
}
