import {Args, Command, Flags} from '@oclif/core'
import {formatList} from '../cli/format.js'
import {STATS_FORMAT, statsRow} from '../cli/views/stats-row.js'
import {findContainer, listContainers} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import {sample} from '../containers/stats.js'
import {UserError} from '../errors.js'

export default class Stats extends Command {
  static description = "Containers' CPU, memory, network, block I/O and process counts (cgroup counters when the container has limits, else /proc)"
  static aliases = ['container:stats']
  static strict = false
  static examples = ['<%= config.bin %> stats --no-stream', "<%= config.bin %> stats --no-stream --format '{{.Name}} {{.MemUsage}}' web"]
  static flags = {
    'no-stream': Flags.boolean({description: 'print one reading and exit (the only mode minirun has)'}),
    all: Flags.boolean({char: 'a', description: 'stopped containers too'}),
    format: Flags.string({description: 'table, json, or a Go template: {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.NetIO}} {{.PIDs}}...'}),
  }
  static args = {container: Args.string({description: 'names or ids (default: every running container)'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Stats)
    if (!flags['no-stream']) throw new UserError('stats streams only with a terminal daemon; use stats --no-stream for one reading')
    const refs = argv as string[]
    const recs = refs.length > 0 ? await Promise.all(refs.map(findContainer)) : (await listContainers()).filter((c) => flags.all || liveStatus(c) === 'running')
    // CPU % is a rate: two readings half a second apart, as Docker's first frame compares two
    const first = recs.map(sample)
    await new Promise((r) => setTimeout(r, 500))
    const rows = recs.map((rec, i) => statsRow(rec, first[i], sample(rec)))
    process.stdout.write(await formatList(flags.format, rows, STATS_FORMAT))
  }
}
