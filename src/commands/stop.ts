import {Args, Command, Flags} from '@oclif/core'
import {stop} from '../cli/handlers/end.js'

export default class Stop extends Command {
  static description = 'Stop containers: SIGTERM to PID 1, then SIGKILL after the timeout'
  static aliases = ['container:stop']
  static strict = false
  static examples = ['<%= config.bin %> stop web', '<%= config.bin %> stop -t 0 web']
  static flags = {time: Flags.string({char: 't', description: "seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10)"})}
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Stop)
    await stop(argv as string[], flags)
  }
}
