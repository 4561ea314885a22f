import {Args, Command} from '@oclif/core'
import {printJson} from '../../cli/output.js'
import {liveStatus} from '../../containers/inspect.js'
import {podSummary} from '../../pods/pods.js'
import {findPod} from '../../pods/records.js'

export default class PodInspect extends Command {
  static description = 'Show a pod as JSON'
  static examples = ['<%= config.bin %> pod inspect demo']
  static args = {name: Args.string({required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(PodInspect)
    const s = await podSummary(await findPod(args.name))
    printJson({
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
    })
  }
}
