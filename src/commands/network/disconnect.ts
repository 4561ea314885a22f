import {Args, Command} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {disconnect} from '../../containers/connect.js'

export default class NetworkDisconnect extends Command {
  static description = 'Disconnect a container from a network'
  static examples = ['<%= config.bin %> network disconnect my_bridge c1']
  static flags = {explain: explainFlag}
  static args = {network: Args.string({required: true}), container: Args.string({required: true})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkDisconnect)
    startExplain(flags.explain)
    await disconnect(args.network, args.container)
  }
}
