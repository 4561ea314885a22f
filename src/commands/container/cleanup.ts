import {Args, Command} from '@oclif/core'
import {containerExited} from '../../containers/lifecycle.js'

export default class ContainerCleanup extends Command {
  static description = "Internal: release an exited container's kernel state (the container's monitor runs it at exit), then apply its restart policy"
  static hidden = true
  static args = {id: Args.string({required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(ContainerCleanup)
    await containerExited(args.id)
  }
}
