import {Args, Command} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {startPod} from '../../pods/ops.js'

export default class PodStart extends Command {
  static description = 'Start a pod: its pause container, then its members'
  static strict = false
  static examples = ['<%= config.bin %> pod start demo']
  static flags = {explain: explainFlag}
  static args = {pod: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(PodStart)
    startExplain(flags.explain)
    for (const ref of argv as string[]) this.log((await startPod(ref)).id)
  }
}
