import {Args, Command} from '@oclif/core'
import {waitContainer} from '../containers/lifecycle.js'

export default class Wait extends Command {
  static description = 'Block until containers stop, then print their exit codes'
  static examples = ['<%= config.bin %> wait job']
  static strict = false
  static args = {container: Args.string({required: true, description: 'container names or ids'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Wait)
    for (const ref of argv as string[]) process.stdout.write(`${await waitContainer(ref)}\n`)
  }
}
