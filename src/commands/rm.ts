import {Args, Command, Flags} from '@oclif/core'
import {explainFlag} from '../cli/flags.js'
import {rm} from '../cli/handlers/end.js'

export default class Rm extends Command {
  static description = 'Remove containers and everything they made (veth, netns, DNAT entries, mounts)'
  static strict = false
  static examples = ['<%= config.bin %> rm web', '<%= config.bin %> rm -f web']
  static aliases = ['container:rm', 'container:remove']
  static flags = {
    force: Flags.boolean({char: 'f', description: 'kill a running container first; a name that does not exist is not an error'}),
    volumes: Flags.boolean({char: 'v', description: 'also remove the anonymous volumes of the container (made by -v /path)'}),
    explain: explainFlag,
  }
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Rm)
    await rm(argv as string[], flags)
  }
}
