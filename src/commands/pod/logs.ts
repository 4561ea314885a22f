import {Args, Command} from '@oclif/core'
import {podLogs} from '../../pods/ops.js'

export default class PodLogs extends Command {
  static description = "Print the output of a pod's containers in time order, each line prefixed with its container's name"
  static examples = ['<%= config.bin %> pod logs demo']
  static args = {pod: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {args} = await this.parse(PodLogs)
    await podLogs(args.pod, process.stdout, process.stderr)
  }
}
