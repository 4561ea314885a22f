import {Command, Flags} from '@oclif/core'
import {printJson, printTable} from '../../cli/output.js'
import {listNetworks} from '../../networks/records.js'

export default class NetworkLs extends Command {
  static description = 'List networks'
  static aliases = ['network:list']
  static examples = ['<%= config.bin %> network ls', '<%= config.bin %> network ls --format json']
  static flags = {format: Flags.string({options: ['table', 'json'], default: 'table'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(NetworkLs)
    const nets = await listNetworks()
    // the CNI configuration directory's lists, as networks usable by name (stored on first use)
    const {confDirNetworks} = await import('../../networks/cni.js')
    for (const c of await confDirNetworks()) if (!nets.some((n) => n.name === c.name)) nets.push({id: '', name: c.name, driver: 'cni', options: {}, created: ''})
    if (!nets.some((n) => n.name === 'bridge')) nets.unshift({id: '', name: 'bridge', driver: 'bridge', options: {}, created: '', isDefault: true})
    if (flags.format === 'json') {
      printJson(nets.map((n) => ({ID: n.id.slice(0, 12), Name: n.name, Driver: n.driver, Scope: 'local', Subnet: n.subnet ?? '', Gateway: n.gateway ?? ''})))
      return
    }
    printTable(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'SUBNET'], nets.map((n) => [n.id.slice(0, 12) || '(on first use)', n.name, n.driver, 'local', n.subnet ?? '']))
  }
}
