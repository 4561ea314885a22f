// One error type for everything a user can get wrong or the machine can refuse.
// The CLI prints it as a single line: `Error: <message>`; no stack unless MINIRUN_DEBUG=1.
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message)
    this.name = 'UserError'
  }
}

/** A system tool (ip, nft, mount...) exited non-zero. Carries the command for --explain and debugging. */
export class KernelError extends UserError {
  constructor(readonly argv: string[], readonly stderr: string, readonly code: number | undefined) {
    const first = stderr.trim().split('\n')[0] || `exit code ${code}`
    super(`${argv[0]} failed: ${first} (ran: ${argv.join(' ')})`)
    this.name = 'KernelError'
  }
}


