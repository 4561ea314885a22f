import {Command, Flags} from '@oclif/core'
import {ago, printJson, printTable} from '../../cli/output.js'
import {listPods, podSummary} from '../../pods/pods.js'

export default class PodLs extends Command {
  static description = 'List pods: READY counts running members (not the pause container), as kubectl'
  static aliases = ['pod:ps']
  static examples = ['<%= config.bin %> pod ls']
  static flags = {format: Flags.string({options: ['table', 'json'], default: 'table'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(PodLs)
    const rows = await Promise.all((await listPods()).map(podSummary))
    if (flags.format === 'json') {
      printJson(rows.map((r) => ({Name: r.pod.name, ID: r.pod.id.slice(0, 12), Status: r.status, Ready: r.ready, IP: r.ip, Created: r.pod.created, InfraID: r.pod.infraId.slice(0, 12), Containers: r.members.length})))
      return
    }
    printTable(['NAME', 'ID', 'STATUS', 'READY', 'IP', 'CREATED'], rows.map((r) => [r.pod.name, r.pod.id.slice(0, 12), r.status, r.ready, r.ip, ago(r.pod.created)]))
  }
}
