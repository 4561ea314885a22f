import {Args, Command, Flags} from '@oclif/core'
import {findContainer} from '../containers/find.js'
import {parseCpArgs} from '../cp/args.js'
import {copyIn, copyOut} from '../cp/copy.js'
import {withContainerRoot} from '../cp/root.js'

export default class Cp extends Command {
  static description = 'Copy files and directories between a container and the host; "-" is a tar stream on stdin or stdout'
  static aliases = ['container:cp']
  static examples = [
    '<%= config.bin %> cp web:/www/index.html ./index.html',
    '<%= config.bin %> cp ./site/. web:/www',
    '<%= config.bin %> cp web:/etc - | tar -t',
    'tar -c app | <%= config.bin %> cp - web:/opt',
  ]
  static flags = {
    archive: Flags.boolean({char: 'a', description: 'keep owners (minirun always keeps them; Docker without -a makes copies into a container root-owned)'}),
  }
  static args = {
    src: Args.string({required: true, description: 'CONTAINER:SRC_PATH, a host path, or - (a tar on stdin)'}),
    dest: Args.string({required: true, description: 'CONTAINER:DEST_PATH, a host path, or - (a tar on stdout)'}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Cp)
    const plan = parseCpArgs(args.src, args.dest)
    const rec = await findContainer(plan.container)
    await withContainerRoot(rec, () =>
      plan.direction === 'out' ? copyOut(rec, plan.inside, plan.local, process.stdout) : copyIn(rec, plan.local, plan.inside, process.stdin),
    )
  }
}
