import {Command, Flags} from '@oclif/core'
import {formatList} from '../../cli/format.js'
import {listVolumes, volumeData} from '../../volumes/store.js'

const FORMAT = {
  typeName: '*formatter.volumeContext',
  columns: [
    {field: 'Driver', header: 'DRIVER'},
    {field: 'Name', header: 'VOLUME NAME'},
  ],
  extra: [
    {field: 'Mountpoint', header: 'MOUNTPOINT'},
    {field: 'Scope', header: 'SCOPE'},
    {field: 'Labels', header: 'LABELS'},
  ],
}

export default class VolumeLs extends Command {
  static description = 'List volumes'
  static aliases = ['volume:list']
  static examples = ['<%= config.bin %> volume ls', '<%= config.bin %> volume ls -q', "<%= config.bin %> volume ls --format '{{.Name}} {{.Mountpoint}}'"]
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'only volume names'}),
    format: Flags.string({description: 'table, json (one object per line), or a Go template: {{.Name}} {{.Driver}} {{.Mountpoint}}...'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VolumeLs)
    const vols = await listVolumes()
    if (flags.quiet) {
      process.stdout.write(vols.map((v) => v.name + '\n').join(''))
      return
    }
    const rows = vols.map((v) => ({
      Driver: 'local',
      Name: v.name,
      Mountpoint: volumeData(v.name),
      Scope: 'local',
      Labels: Object.entries(v.labels).map(([k, val]) => `${k}=${val}`).join(','),
    }))
    process.stdout.write(await formatList(flags.format, rows, FORMAT))
  }
}
