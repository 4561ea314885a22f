import {Args, Command, Flags} from '@oclif/core'
import {formatList} from '../cli/format.js'
import {STATS_FORMAT, statsRow} from '../cli/views/stats-row.js'
import {findContainer, listContainers} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import {sample} from '../containers/stats.js'

export default class Stats extends Command {
  static description = "Containers' CPU, memory, network, block I/O and process counts (cgroup counters when the container has limits, else /proc)"
  static aliases = ['container:stats']
  static strict = false
  static examples = ['<%= config.bin %> stats', '<%= config.bin %> stats --no-stream', "<%= config.bin %> stats --no-stream --format '{{.Name}} {{.MemUsage}}' web"]
  static flags = {
    'no-stream': Flags.boolean({description: 'print one reading and exit (default: a new reading every second until Ctrl-C)'}),
    all: Flags.boolean({char: 'a', description: 'stopped containers too'}),
    format: Flags.string({description: 'table, json, or a Go template: {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.NetIO}} {{.PIDs}}...'}),
  }
  static args = {container: Args.string({description: 'names or ids (default: every running container)'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Stats)
    const refs = argv as string[]
    for (;;) {
      // named containers stay; without names, the running ones of this moment (as docker stats)
      const recs = refs.length > 0 ? await Promise.all(refs.map(findContainer)) : (await listContainers()).filter((c) => flags.all || liveStatus(c) === 'running')
      // CPU % is a rate: two readings apart, as Docker's first frame compares two
      const first = recs.map(sample)
      await new Promise((r) => setTimeout(r, flags['no-stream'] ? 500 : 1000))
      const rows = recs.map((rec, i) => statsRow(rec, first[i], sample(rec)))
      const text = await formatList(flags.format, rows, STATS_FORMAT)
      // on a terminal each reading replaces the last; in a pipe they follow each other
      process.stdout.write(flags['no-stream'] || !process.stdout.isTTY ? text : `\x1b[2J\x1b[H${text}`)
      if (flags['no-stream']) return
    }
  }
}
