import {UserError} from '../../errors.js'
import {checkRequest, type NetworkDriver} from '../driver.js'

// --network container:NAME (and pod members): the namespace of another container, with its
// interfaces and addresses. Nothing is wired, so nothing is torn down: the owner's attachments
// stay the owner's. -p is refused: there is no interface of its own to publish to.
export const containerJoinDriver: NetworkDriver = {
  name: 'container',
  capabilities: {netns: 'joined', publishing: 'none', names: false, staticIps: false},
  validate(_net, req) {
    if (req.ports.length > 0) throw new UserError(`-p cannot be used with --network ${req.mode}: the container has no interface of its own to publish`)
    return checkRequest(containerJoinDriver, req, '')
  },
  setup: async () => undefined,
  teardown: async () => {},
  describe: () => ({}),
}
