import type {NetworkAttachment} from '../containers/record.js'
import type {Rollback} from '../kernel/rollback.js'
import type {PortMapping} from './ports.js'
import type {NetworkRecord} from './records.js'

// One small interface per network driver, like netavark's setup/teardown or CNI's ADD/DEL.
// Everything a driver needs arrives in one Endpoint. teardown is idempotent: tearing down what
// is already gone succeeds, which is what makes crash recovery (`system prune`) simple.

export interface Endpoint {
  containerId: string
  containerName: string
  /** the container's network namespace file */
  netns: string
  network: NetworkRecord
  /** interface name inside the container: eth0, eth1... */
  ifname: string
  requestedIp?: string
  ports: PortMapping[]
  aliases: string[]
}

export interface NetworkDriver {
  /** Wire the endpoint; register an undo on `rb` before each step. */
  setup(ep: Endpoint, rb: Rollback): Promise<NetworkAttachment>
  teardown(ep: Endpoint, att: NetworkAttachment | undefined): Promise<void>
}
