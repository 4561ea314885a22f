import {Args, Command} from '@oclif/core'
import {printJson} from '../../cli/output.js'
import {podInspect, podSummary} from '../../pods/pods.js'
import {findPod} from '../../pods/records.js'

export default class PodInspect extends Command {
  static description = "Show pods as JSON, podman's shape: InfraConfig, SharedNamespaces, Containers with their states, CreateCommand"
  static strict = false
  static examples = ['<%= config.bin %> pod inspect demo']
  static args = {name: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(PodInspect)
    const out = []
    for (const ref of argv as string[]) out.push(podInspect(await podSummary(await findPod(ref))))
    // one pod: an object, as before (and as podman prints one pod); several: an array
    printJson(out.length === 1 ? out[0] : out)
  }
}
