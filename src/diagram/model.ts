// The topology a diagram shows: read back from the kernel (links.ts) and the records, then
// rendered as text, dot or svg. Pure data.

export interface BridgeNode {
  network: string
  name: string
  ifindex: number
  address: string
  subnet: string
}

export interface ContainerNode {
  id: string
  name: string
  /** the first network's address (ips has one per network) */
  ip: string
  ips?: Record<string, string>
  ports: string[]
  /** -p mappings, for the DNAT arrows */
  publish?: Array<{hostIp: string; hostPort: number; containerPort: number; protocol: string}>
  mode: string
  pod?: string
  /** containers sharing this one's network namespace (container: mode, pod members) */
  sharedBy: string[]
}

/** One veth pair, or a macvlan child: the host side and the container side, with ifindexes. */
export interface Link {
  kind: 'veth' | 'macvlan'
  network: string
  /** bridge name, or the macvlan parent */
  attachedTo: string
  hostIf: string
  hostIndex: number
  ctrIf: string
  ctrIndex: number
  /** the ifindex the container side names as its peer (eth0@ifN) */
  ctrPeerIndex: number
  container: string
  ip: string
  mac: string
}

/** An overlay's VXLAN device on its bridge and the peer hosts it floods to (read from the fdb). */
export interface Tunnel {
  network: string
  bridge: string
  name: string
  vni: number
  local: string
  remotes: string[]
}

export interface Topology {
  hostname: string
  tunnels?: Tunnel[]
  bridges: BridgeNode[]
  parents: Array<{network: string; name: string; ifindex: number}>
  containers: ContainerNode[]
  links: Link[]
}
