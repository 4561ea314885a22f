import {Args, Command} from '@oclif/core'
import {renameContainer} from '../containers/rename.js'

export default class Rename extends Command {
  static description = 'Rename a container (other containers on its user networks resolve the new name)'
  static examples = ['<%= config.bin %> rename web frontend']
  static args = {
    container: Args.string({required: true, description: 'container name or id'}),
    name: Args.string({required: true, description: 'the new name'}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Rename)
    await renameContainer(args.container, args.name)
  }
}
