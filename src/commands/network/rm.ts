import {Args, Command} from '@oclif/core'
import {explainFlag, clusterStoreFlag, useClusterStore} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {removeNetwork} from '../../networks/manage.js'
import {validateRefLength} from '../../containers/validate.js'
import {containerName} from '../../containers/endpoint.js'

export default class NetworkRm extends Command {
  static description = 'Remove networks (refused while containers use them)'
  static strict = false
  static aliases = ['network:remove']
  static examples = ['<%= config.bin %> network rm my_bridge']
  static flags = {explain: explainFlag, 'cluster-store': clusterStoreFlag}
  static args = {name: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(NetworkRm)
    useClusterStore(flags['cluster-store'])
    startExplain(flags.explain)
    for (const ref of argv as string[]) {
      await removeNetwork(validateRefLength('network name', ref, 80), containerName)
      this.log(ref)
    }
  }
}
