import {Args, Command} from '@oclif/core'
import {findContainer} from '../containers/find.js'
import {UserError} from '../errors.js'
import {formatPortLines} from '../networks/ports.js'

export default class Port extends Command {
  static description = "List a container's published ports, or where one container port is published"
  static aliases = ['container:port']
  static examples = ['<%= config.bin %> port web', '<%= config.bin %> port web 80', '<%= config.bin %> port web 53/udp']
  static args = {container: Args.string({required: true}), port: Args.string({description: 'PORT[/tcp|/udp]: print only its host address:port'})}

  async run(): Promise<void> {
    const {args} = await this.parse(Port)
    const rec = await findContainer(args.container)
    if (args.port === undefined) {
      for (const line of formatPortLines(rec.hostConfig.ports)) this.log(line)
      return
    }
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(args.port)
    if (!m) throw new UserError(`invalid port "${args.port}": use PORT or PORT/tcp|udp, e.g. 80/tcp`)
    const proto = m[2] ?? 'tcp'
    const hits = rec.hostConfig.ports.filter((p) => p.containerPort === Number(m[1]) && p.protocol === proto)
    if (hits.length === 0) throw new UserError(`no public port '${Number(m[1])}/${proto}' published for ${args.container} (see minirun port ${args.container})`)
    for (const p of hits) this.log(`${p.hostIp}:${p.hostPort}`)
  }
}
