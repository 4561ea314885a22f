import {Args, Command} from '@oclif/core'
import {pauseContainer} from '../containers/lifecycle.js'

export default class Pause extends Command {
  static description = 'Freeze every process of running containers (the cgroup freezer: nothing they can see)'
  static examples = ['<%= config.bin %> pause web\n<%= config.bin %> unpause web']
  static strict = false
  static args = {container: Args.string({required: true, description: 'container names or ids'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Pause)
    for (const ref of argv as string[]) {
      await pauseContainer(ref, true)
      process.stdout.write(ref + '\n')
    }
  }
}
