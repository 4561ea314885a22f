import {Command, Flags} from '@oclif/core'
import {ps} from '../cli/handlers/ps.js'

export default class Ps extends Command {
  static description = 'List containers'
  static examples = ['<%= config.bin %> ps', '<%= config.bin %> ps -a --format json', '<%= config.bin %> ps -aq']
  static flags = {
    all: Flags.boolean({char: 'a', description: 'show stopped containers too'}),
    quiet: Flags.boolean({char: 'q', description: 'only ids'}),
    format: Flags.string({description: 'table or json', options: ['table', 'json'], default: 'table'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Ps)
    await ps(flags)
  }
}
