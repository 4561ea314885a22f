import {Command, Flags} from '@oclif/core'
import {ps} from '../cli/handlers/ps.js'

export default class Ps extends Command {
  static description = 'List containers'
  static aliases = ['container:ls', 'container:ps', 'container:list']
  static examples = [
    '<%= config.bin %> ps',
    '<%= config.bin %> ps -a --filter status=exited',
    "<%= config.bin %> ps --format '{{.Names}}\\t{{.Status}}'",
    "<%= config.bin %> ps --format 'table {{.ID}}\\t{{.Names}}\\t{{.Networks}}'",
    '<%= config.bin %> ps -aq --format json',
  ]

  static flags = {
    all: Flags.boolean({char: 'a', description: 'show stopped containers too'}),
    quiet: Flags.boolean({char: 'q', description: 'only ids'}),
    filter: Flags.string({char: 'f', multiple: true, multipleNonGreedy: true, description: 'status=, name=, id=, label=, network=, ancestor=, exited= (KEY=VALUE)'}),
    last: Flags.string({char: 'n', description: 'the N last created containers (all states)'}),
    latest: Flags.boolean({char: 'l', description: 'the last created container (all states)'}),
    size: Flags.boolean({char: 's', description: 'show what each container wrote (and its image size, "virtual")'}),
    'no-trunc': Flags.boolean({description: 'full ids and commands'}),
    format: Flags.string({description: 'table, json (one object per line), or a Go template: {{.ID}} {{.Names}} {{.Status}}...; "table TEMPLATE" adds headers'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Ps)
    await ps(flags)
  }
}
