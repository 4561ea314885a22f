import {Args, Command, Flags} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {connect} from '../../containers/connect.js'

export default class NetworkConnect extends Command {
  static description = 'Connect a running container to one more network (it gets eth1, eth2...)'
  static examples = ['<%= config.bin %> network connect my_bridge c1']
  static flags = {ip: Flags.string({description: 'static IPv4 address on that network'}), explain: explainFlag}
  static args = {network: Args.string({required: true}), container: Args.string({required: true})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkConnect)
    startExplain(flags.explain)
    await connect(args.network, args.container, flags.ip)
  }
}
