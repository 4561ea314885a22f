import {checkRequest, type NetworkDriver} from '../driver.js'

// --network host: no namespace of its own, so nothing to wire and nothing to publish: the
// container's ports are the host's. As Docker, -p is dropped with a warning.
export const hostDriver: NetworkDriver = {
  name: 'host',
  capabilities: {netns: 'host', publishing: 'none', names: false, staticIps: false},
  validate: (_net, req) => checkRequest(hostDriver, req, 'WARNING: Published ports are discarded when using host network mode'),
  setup: async () => undefined,
  teardown: async () => {},
  describe: () => ({}),
}
