import {Args, Command, Flags} from '@oclif/core'
import {humanSize, printJson, printTable} from '../../cli/output.js'
import {podStats} from '../../pods/ops.js'

export default class PodStats extends Command {
  static description = "Show a pod's containers: processes, and memory and CPU time from their cgroups when they have one (a limit was set)"
  static examples = ['<%= config.bin %> pod stats demo']
  static flags = {format: Flags.string({options: ['table', 'json'], default: 'table'})}
  static args = {pod: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PodStats)
    const rows = await podStats(args.pod)
    if (flags.format === 'json') return printJson(rows.map((r) => ({Name: r.name, State: r.state, PIDs: r.pids, MemUsage: r.memory ?? null, CPUSeconds: r.cpuSeconds ?? null})))
    printTable(['CONTAINER', 'STATE', 'PIDS', 'MEM USAGE', 'CPU TIME'], rows.map((r) => [r.name, r.state, String(r.pids), r.memory === undefined ? '--' : humanSize(r.memory), r.cpuSeconds === undefined ? '--' : `${r.cpuSeconds.toFixed(2)}s`]))
  }
}
