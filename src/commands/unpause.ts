import {Args, Command} from '@oclif/core'
import {pauseContainer} from '../containers/lifecycle.js'

export default class Unpause extends Command {
  static description = 'Let paused containers run again'
  static examples = ['<%= config.bin %> unpause web']
  static strict = false
  static args = {container: Args.string({required: true, description: 'container names or ids'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Unpause)
    for (const ref of argv as string[]) {
      await pauseContainer(ref, false)
      process.stdout.write(ref + '\n')
    }
  }
}
