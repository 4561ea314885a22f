import {Args, Command, Flags} from '@oclif/core'
import {explainFlag} from '../cli/flags.js'
import {rm} from '../cli/handlers/end.js'

export default class Rm extends Command {
  static description = 'Remove containers and everything they made (veth, netns, DNAT entries, mounts)'
  static strict = false
  static examples = ['<%= config.bin %> rm web', '<%= config.bin %> rm -f web']
  static flags = {force: Flags.boolean({char: 'f', description: 'kill a running container first'}), explain: explainFlag}
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Rm)
    await rm(argv as string[], flags)
  }
}
