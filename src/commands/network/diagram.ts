import {Args, Command, Flags} from '@oclif/core'
import {readTopology} from '../../diagram/read.js'
import {renderDot, renderSvg, renderText} from '../../diagram/render.js'

export default class NetworkDiagram extends Command {
  static description = 'Draw the live topology read back from the kernel: bridges, veth pairs (ifindex peers), containers, macvlan, pods'
  static examples = ['<%= config.bin %> network diagram', '<%= config.bin %> network diagram bridge --format svg > bridge.svg']
  static flags = {format: Flags.string({options: ['text', 'dot', 'svg'], default: 'text'})}
  static args = {network: Args.string({description: 'only this network'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkDiagram)
    const topo = await readTopology(args.network)
    const render = {text: renderText, dot: renderDot, svg: renderSvg}[flags.format as 'text' | 'dot' | 'svg']
    process.stdout.write(render(topo))
  }
}
