import {Flags} from '@oclif/core'

// Flags shared by several commands (oclif definitions; the fast path reads them from the manifest).
export const explainFlag = Flags.boolean({
  description:
    'print each kernel-level step (ip, nft, unshare, mount...) as the shell command that does it, grouped by step with a one-line why, on stderr as it runs; the transcript replays in a shell. --explain=FILE writes it to FILE instead',
})
