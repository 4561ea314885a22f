import {checkRequest, type NetworkDriver} from '../driver.js'

// --network none: a namespace of its own with loopback only. As Docker, -p is dropped with a warning.
export const noneDriver: NetworkDriver = {
  name: 'null',
  capabilities: {netns: 'own', publishing: 'none', names: false, staticIps: false},
  validate: (_net, req) => checkRequest(noneDriver, req, 'WARNING: Published ports are discarded when using none network mode'),
  setup: async () => undefined,
  teardown: async () => {},
  describe: () => ({}),
}
