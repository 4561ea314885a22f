import {Args, Command} from '@oclif/core'
import {findContainer} from '../containers/find.js'
import {formatPortLines} from '../networks/ports.js'

export default class Port extends Command {
  static description = "List a container's published ports"
  static examples = ['<%= config.bin %> port web']
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(Port)
    const rec = await findContainer(args.container)
    for (const line of formatPortLines(rec.hostConfig.ports)) this.log(line)
  }
}
