import {UserError} from '../errors.js'
import type {Rollback} from '../kernel/rollback.js'
import type {PortMapping} from './ports.js'
import type {NetworkRecord} from './records.js'

// One small interface per network driver, like netavark's validate/setup/teardown or CNI's
// ADD/DEL. Everything a driver needs arrives in one Endpoint; what it made comes back as a
// NetworkAttachment, which the caller stores and hands back to teardown. teardown is
// idempotent: tearing down what is already gone succeeds, which is what makes crash recovery
// (`system prune`) simple. Callers never switch on a driver's name: they read its capabilities.

/** What one container got on one network. Stored by the caller (the container record). */
export interface NetworkAttachment {
  networkId: string
  networkName: string
  /** eth0, eth1... inside the container */
  ifname: string
  ip: string
  prefixLen: number
  gateway: string
  mac: string
  /** the host end of the veth pair, or the macvlan child's name before it moved */
  hostIfname?: string
  aliases: string[]
  /** the ports published to this attachment's address (with the host ports actually chosen) */
  ports?: PortMapping[]
}

/** What the caller asks for: one interface for one container, on a network it names. */
export interface EndpointRequest {
  containerId: string
  containerName: string
  /** the container's network namespace file */
  netns: string
  /** interface name inside the container: eth0, eth1... */
  ifname: string
  requestedIp?: string
  ports: PortMapping[]
  aliases: string[]
  /** a container's name from its id, for messages (another container holds a port) */
  nameOf?: (containerId: string) => Promise<string | undefined>
  /**
   * teardown: the namespace is released right after and no process is left in it, so the kernel
   * frees the links inside with it (a driver need not delete them one by one)
   */
  netnsReleased?: boolean
}

export interface Endpoint extends EndpointRequest {
  network: NetworkRecord
}

export interface Capabilities {
  /** the network namespace: one of its own, the host's, or another container's */
  netns: 'own' | 'host' | 'joined'
  /** -p: published through minirun's firewall (DNAT), passed to a plugin, or not possible */
  publishing: 'firewall' | 'plugin' | 'none'
  /** members of a user-defined network find each other by name */
  names: boolean
  /** --ip is honoured */
  staticIps: boolean
}

/** A request checked against a driver before anything is made: what it will publish, and what to tell the user. */
export interface Checked {
  ports: PortMapping[]
  warnings: string[]
}

export interface NetworkDriver {
  name: string
  capabilities: Capabilities
  /** Refuse (UserError) what this driver cannot do; drop, with a warning, what Docker ignores. Touches nothing. */
  validate(network: NetworkRecord | undefined, req: {ports: PortMapping[]; requestedIp?: string; mode: string}): Checked
  /** Wire the endpoint; register an undo on `rb` before each step. No attachment: nothing is wired (none, host, container:). */
  setup(ep: Endpoint, rb: Rollback): Promise<NetworkAttachment | undefined>
  teardown(ep: Endpoint, att: NetworkAttachment | undefined): Promise<void>
  /** Driver-specific fields of `network inspect`. */
  describe(network: NetworkRecord): {options?: Record<string, string>; notes?: string}
  /** Fields of `network inspect` that need I/O beyond this host (an overlay: its peer hosts, every host's containers). */
  inspect?(network: NetworkRecord): Promise<Record<string, unknown>>
}

/** The common validation: --ip only where the driver honours it, ports dropped (with Docker's warning) where it cannot publish. */
export function checkRequest(d: NetworkDriver, req: {ports: PortMapping[]; requestedIp?: string; mode: string}, dropped: string): Checked {
  if (req.requestedIp !== undefined && !d.capabilities.staticIps) {
    throw new UserError(`--ip needs a bridge or macvlan network, not --network ${req.mode}`)
  }
  if (d.capabilities.publishing === 'none' && req.ports.length > 0) return {ports: [], warnings: [dropped]}
  return {ports: req.ports, warnings: []}
}

/** `network create` for a driver: the request as given on the command line. */
export interface CreateRequest {
  name: string
  driver: string
  subnet?: string
  gateway?: string
  options: Record<string, string>
}

/** A driver that has user-defined networks: made by `network create`, removed by `network rm`. */
export interface NetworkFactory {
  /** Check the request, make what the network needs now and store its record (under the store lock). */
  create(req: CreateRequest): Promise<NetworkRecord>
  /** Undo create; the caller has checked no endpoint is left. */
  remove(net: NetworkRecord): Promise<void>
}
