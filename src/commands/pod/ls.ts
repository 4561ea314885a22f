import {Command, Flags} from '@oclif/core'
import {formatList} from '../../cli/format.js'
import {ago} from '../../cli/output.js'
import {listPods, podSummary} from '../../pods/pods.js'

const FORMAT = {
  typeName: '*entities.ListPodsReport',
  columns: [
    {field: 'Name', header: 'NAME'},
    {field: 'ID', header: 'ID'},
    {field: 'Status', header: 'STATUS'},
    {field: 'Ready', header: 'READY'},
    {field: 'IP', header: 'IP'},
    {field: 'CreatedSince', header: 'CREATED'},
  ],
  extra: [
    {field: 'Created', header: 'CREATED AT'},
    {field: 'InfraID', header: 'INFRA ID'},
    {field: 'Containers', header: '# OF CONTAINERS'},
  ],
}

export default class PodLs extends Command {
  static description = 'List pods: READY counts running members (not the pause container), as kubectl'
  static aliases = ['pod:ps', 'pod:list']
  static examples = ['<%= config.bin %> pod ls', '<%= config.bin %> pod ls -q', "<%= config.bin %> pod ls --format '{{.Name}} {{.Ready}}'"]
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'only pod ids'}),
    format: Flags.string({description: 'table, json (one object per line), or a Go template: {{.Name}} {{.ID}} {{.Status}} {{.Ready}} {{.IP}}...'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PodLs)
    const pods = await Promise.all((await listPods()).map(podSummary))
    if (flags.quiet) {
      process.stdout.write(pods.map((r) => r.pod.id.slice(0, 12) + '\n').join(''))
      return
    }
    const rows = pods.map((r) => ({
      Name: r.pod.name,
      ID: r.pod.id.slice(0, 12),
      Status: r.status,
      Ready: r.ready,
      IP: r.ip,
      Created: r.pod.created,
      CreatedSince: ago(r.pod.created),
      InfraID: r.pod.infraId.slice(0, 12),
      Containers: r.members.length,
    }))
    process.stdout.write(await formatList(flags.format, rows, FORMAT))
  }
}
