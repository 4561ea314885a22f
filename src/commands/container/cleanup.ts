import {Args, Command} from '@oclif/core'
import {cleanupContainer} from '../../containers/lifecycle.js'

export default class ContainerCleanup extends Command {
  static description = "Internal: release an exited container's kernel state (called by its supervisor)"
  static hidden = true
  static args = {id: Args.string({required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(ContainerCleanup)
    await cleanupContainer(args.id)
  }
}
