import {Args, Command, Flags} from '@oclif/core'
import {killContainer} from '../containers/lifecycle.js'

export default class Kill extends Command {
  static description = "Send a signal to containers' PID 1"
  static strict = false
  static examples = ['<%= config.bin %> kill web', '<%= config.bin %> kill -s HUP web']
  static flags = {signal: Flags.string({char: 's', description: 'signal name or number', default: 'KILL'})}
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Kill)
    for (const ref of argv as string[]) {
      await killContainer(ref, flags.signal)
      this.log(ref)
    }
  }
}
