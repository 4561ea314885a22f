import {Flags} from '@oclif/core'

// Flags shared by several commands (oclif definitions; the fast path reads them from the manifest).
export const explainFlag = Flags.boolean({description: 'print each kernel-level step as the equivalent shell command as it runs'})
