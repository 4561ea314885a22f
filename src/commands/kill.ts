import {Args, Command, Flags} from '@oclif/core'
import {kill} from '../cli/handlers/end.js'

export default class Kill extends Command {
  static description = "Send a signal to containers' PID 1"
  static aliases = ['container:kill']
  static strict = false
  static examples = ['<%= config.bin %> kill web', '<%= config.bin %> kill -s HUP web']
  static flags = {signal: Flags.string({char: 's', description: 'signal name or number', default: 'KILL'})}
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Kill)
    await kill(argv as string[], flags)
  }
}
