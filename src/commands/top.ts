import {Args, Command} from '@oclif/core'
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {findContainer} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import {containerPids} from '../containers/processes.js'
import {UserError} from '../errors.js'

export default class Top extends Command {
  static description = "Show a running container's processes (host PIDs), as `ps -ef` prints them"
  static aliases = ['container:top']
  static examples = ['<%= config.bin %> top web']
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(Top)
    const rec = await findContainer(args.container)
    const pids = liveStatus(rec) === 'running' ? containerPids(rec) : []
    if (pids.length === 0) throw new UserError(`container ${rec.name} is not running; start it first (minirun ps -a shows its state)`)
    const {stdout} = await promisify(execFile)('ps', ['-f', '-p', pids.join(',')])
    process.stdout.write(stdout)
  }
}
