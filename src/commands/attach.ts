import {Args, Command, Flags} from '@oclif/core'
import {attach} from '../containers/attach.js'

export default class Attach extends Command {
  static description = "Attach this terminal to a running container's input and output (detach with Ctrl-P Ctrl-Q)"
  static examples = ['<%= config.bin %> run -dit --name c busybox sh\n<%= config.bin %> attach c', '<%= config.bin %> attach --detach-keys ctrl-x,x c']
  static flags = {
    'detach-keys': Flags.string({description: 'the key sequence that detaches and leaves the container running', default: 'ctrl-p,ctrl-q'}),
    'no-stdin': Flags.boolean({description: 'do not send this terminal\'s input'}),
  }

  static args = {container: Args.string({required: true, description: 'container name or id'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Attach)
    process.exitCode = await attach(args.container, {detachKeys: flags['detach-keys'], stdin: !flags['no-stdin']})
  }
}
