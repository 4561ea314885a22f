import {Args, Command, Flags} from '@oclif/core'
import {seconds} from '../cli/handlers/end.js'
import {restartContainer} from '../containers/lifecycle.js'

export default class Restart extends Command {
  static description = 'Stop then start containers (same networks, addresses and published ports)'
  static examples = ['<%= config.bin %> restart web', '<%= config.bin %> restart -t 2 web db']
  static strict = false
  static flags = {time: Flags.string({char: 't', description: "seconds to wait for it to stop before SIGKILL (default: its --stop-timeout, else 10)"})}
  static args = {container: Args.string({required: true, description: 'container names or ids'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Restart)
    for (const ref of argv as string[]) {
      await restartContainer(ref, flags.time === undefined ? undefined : seconds(flags.time))
      process.stdout.write(ref + '\n')
    }
  }
}
