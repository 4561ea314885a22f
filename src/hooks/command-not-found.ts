import type {Hook} from '@oclif/core'
import {UserError} from '../errors.js'
import {notFoundMessage} from '../cli/suggest.js'

// oclif's command_not_found hook: one line with a suggestion, on a terminal or not. (The
// plugin-not-found package only suggests by an interactive prompt, and prints two lines.)
const hook: Hook<'command_not_found'> = async function (opts) {
  const known = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]).map((id) => id.replaceAll(':', ' '))
  throw new UserError(notFoundMessage(opts.id, known))
}
export default hook
