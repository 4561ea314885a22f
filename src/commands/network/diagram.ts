import {Args, Command, Flags} from '@oclif/core'
import {readTopology} from '../../diagram/read.js'
import {renderDot, renderSvg, renderText} from '../../diagram/render.js'

export default class NetworkDiagram extends Command {
  static description = 'Draw the live topology read back from the kernel: bridges, veth pairs (ifindex peers), containers, macvlan, pods; --serve shows it live in a browser, with traffic'
  static examples = [
    '<%= config.bin %> network diagram',
    '<%= config.bin %> network diagram bridge --format svg > bridge.svg',
    '<%= config.bin %> network diagram --serve   # then open http://127.0.0.1:18400/',
  ]

  static flags = {
    format: Flags.string({options: ['text', 'dot', 'svg'], default: 'text'}),
    serve: Flags.boolean({description: 'serve a read-only live page (SVG redrawn as containers come and go, link rates, published-port counters) until Ctrl-C'}),
    listen: Flags.string({description: 'with --serve: IP:PORT to listen on (default 127.0.0.1:18400; a non-loopback address only when given here)', dependsOn: ['serve']}),
  }

  static args = {network: Args.string({description: 'only this network'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkDiagram)
    if (flags.serve) {
      // lazy: the server is only loaded by --serve
      const {DEFAULT_LISTEN, parseListen} = await import('../../diagram/listen.js')
      const {serve} = await import('../../diagram/serve.js')
      await serve(parseListen(flags.listen ?? DEFAULT_LISTEN), args.network, (line) => process.stderr.write(line + '\n'))
      return
    }
    const topo = await readTopology(args.network)
    const render = {text: renderText, dot: renderDot, svg: renderSvg}[flags.format as 'text' | 'dot' | 'svg']
    process.stdout.write(render(topo))
  }
}
