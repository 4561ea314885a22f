import {Args, Command, Flags} from '@oclif/core'
import {logs} from '../cli/handlers/show.js'

export default class Logs extends Command {
  static description = "Print a container's output: its stdout to stdout, its stderr to stderr"
  static aliases = ['container:logs']
  static examples = ['<%= config.bin %> logs web', '<%= config.bin %> logs -f --tail 10 web', '<%= config.bin %> logs -t --since 5m web']
  static flags = {
    follow: Flags.boolean({char: 'f', description: 'keep printing until the container exits'}),
    tail: Flags.string({char: 'n', description: 'only the last N lines (or "all")'}),
    timestamps: Flags.boolean({char: 't', description: 'prefix each line with its time (RFC 3339)'}),
    since: Flags.string({description: 'only lines since a time (2026-12-01T15:00:00Z), Unix seconds, or a duration (10m)'}),
  }
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    await logs(args.container, flags)
  }
}
