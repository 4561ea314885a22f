import {Args, Command, Flags} from '@oclif/core'
import {printJson} from '../../cli/output.js'
import {printInspected} from '../../cli/handlers/show.js'
import {liveStatus} from '../../containers/inspect.js'
import {podSummary} from '../../pods/pods.js'
import {findPod} from '../../pods/records.js'

export default class PodInspect extends Command {
  static description = 'Show a pod as JSON'
  static examples = ['<%= config.bin %> pod inspect demo']
  static flags = {format: Flags.string({char: 'f', description: 'a Go template, e.g. {{.State}} {{.IPAddress}}'})}
  static args = {name: Args.string({required: true})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PodInspect)
    const s = await podSummary(await findPod(args.name))
    const view = {
      Id: s.pod.id,
      Name: s.pod.name,
      Created: s.pod.created,
      State: s.status,
      InfraContainerID: s.pod.infraId,
      Hostname: s.pod.name,
      IPAddress: s.ip,
      Network: s.pod.network,
      Ports: s.pod.ports,
      NumContainers: s.members.length,
      Containers: s.members.map((m) => ({Id: m.id, Name: m.name, State: liveStatus(m)})),
    }
    // podman prints one object, not an array; a template runs on it
    if (flags.format && flags.format !== 'json') await printInspected([view], flags.format)
    else printJson(view)
  }
}
