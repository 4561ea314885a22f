import {Command, Flags} from '@oclif/core'
import {formatList} from '../../cli/format.js'
import {goTime} from '../../cli/views/container-row.js'
import {ago, humanSize} from '../../cli/output.js'
import {splitRepoTag} from '../../images/refs.js'
import {listImages} from '../../images/store.js'

const FORMAT = {
  typeName: '*formatter.imageContext',
  columns: [
    {field: 'Repository', header: 'REPOSITORY'},
    {field: 'Tag', header: 'TAG'},
    {field: 'ID', header: 'IMAGE ID'},
    {field: 'CreatedSince', header: 'CREATED'},
    {field: 'Size', header: 'SIZE'},
  ],
  extra: [
    {field: 'CreatedAt', header: 'CREATED AT'},
    {field: 'Digest', header: 'DIGEST'},
    {field: 'Containers', header: 'CONTAINERS'},
  ],
}

export default class ImageLs extends Command {
  static description = 'List images'
  static aliases = ['image:list']
  static examples = ['<%= config.bin %> image ls', '<%= config.bin %> images -q', "<%= config.bin %> images --format '{{.Repository}}:{{.Tag}} {{.Size}}'", '<%= config.bin %> images --format json']
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'only image ids'}),
    format: Flags.string({description: 'table, json (one object per line), or a Go template: {{.Repository}} {{.Tag}} {{.ID}} {{.Size}}...'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(this.constructor as typeof ImageLs)
    const images = await listImages()
    if (flags.quiet) {
      // one line per image, however many tags it has (Docker)
      process.stdout.write(images.map((i) => i.id.slice(0, 12) + '\n').join(''))
      return
    }
    // One row per tag, and one <none> row for an image whose tags all moved on (Docker's dangling image).
    const rows = images.flatMap((img) =>
      (img.repoTags.length > 0 ? img.repoTags.map(splitRepoTag) : [{repository: '<none>', tag: '<none>'}]).map((rt) => ({
        Repository: rt.repository,
        Tag: rt.tag,
        ID: img.id.slice(0, 12),
        CreatedSince: ago(img.created),
        CreatedAt: flags.format === 'json' ? img.created : goTime(img.created),
        Size: humanSize(img.size),
        Digest: '<none>',
        Containers: 'N/A',
      })),
    )
    process.stdout.write(await formatList(flags.format, rows, FORMAT))
  }
}
