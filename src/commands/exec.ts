import {Args, Command, Flags} from '@oclif/core'
import {splitAtPositional} from '../cli/argv.js'
import {exec} from '../cli/handlers/exec.js'

export default class Exec extends Command {
  static description = 'Run a command in a running container (same namespaces, capabilities and no_new_privs as its PID 1)'
  static aliases = ['container:exec']
  static examples = ['<%= config.bin %> exec web wget -qO- 127.0.0.1', '<%= config.bin %> exec -it web sh']
  static flags = {
    interactive: Flags.boolean({char: 'i', description: 'keep stdin open'}),
    tty: Flags.boolean({char: 't', description: "allocate a pseudo-terminal of the container's own (/dev/pts/N inside)"}),
    env: Flags.string({char: 'e', multiple: true, multipleNonGreedy: true, description: 'extra environment variable K=V'}),
    workdir: Flags.string({char: 'w', description: 'working directory inside the container'}),
    user: Flags.string({char: 'u', description: "run as NAME, UID, NAME:GROUP or UID:GID of the image's /etc/passwd"}),
    detach: Flags.boolean({char: 'd', description: 'start the command and return (its output is discarded)'}),
    'env-file': Flags.string({multiple: true, multipleNonGreedy: true, description: 'read KEY=VALUE lines from a file'}),
  }

  static args = {container: Args.string({required: true}), command: Args.string({description: 'command and its arguments (everything after the container)'})}

  async run(): Promise<void> {
    const split = splitAtPositional(this.argv, Exec.flags as never)
    const {flags} = await this.parse(Exec, split.positional === undefined ? split.own : [...split.own, '--', split.positional])
    await exec(split.positional!, split.rest, flags)
  }
}
