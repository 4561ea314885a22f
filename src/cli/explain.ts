import {explainTo} from '../kernel/runner.js'

// --explain: print every kernel-level step as the equivalent shell command, to stderr, as it runs.
export function startExplain(on: boolean | undefined): void {
  if (on) explainTo((line) => process.stderr.write(line + '\n'))
}
