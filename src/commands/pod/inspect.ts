import {Args, Command, Flags} from '@oclif/core'
import {printInspected} from '../../cli/handlers/show.js'
import {printJson} from '../../cli/output.js'
import {podInspect, podSummary} from '../../pods/pods.js'
import {findPod} from '../../pods/records.js'

export default class PodInspect extends Command {
  static description = "Show pods as JSON, podman's shape: InfraConfig, SharedNamespaces, Containers with their states, CreateCommand"
  static strict = false
  static examples = ['<%= config.bin %> pod inspect demo', "<%= config.bin %> pod inspect -f '{{.State}} {{.NumContainers}}' demo"]
  static flags = {format: Flags.string({char: 'f', description: 'a Go template, e.g. {{.State}} {{.NumContainers}}'})}
  static args = {name: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(PodInspect)
    const out = []
    for (const ref of argv as string[]) out.push(podInspect(await podSummary(await findPod(ref))))
    if (flags.format && flags.format !== 'json') return printInspected(out, flags.format)
    // one pod: an object, as podman prints one pod; several: an array
    printJson(out.length === 1 ? out[0] : out)
  }
}
