// Every setup step registers its undo before the next step runs; on failure the undos run in
// reverse, so a failed command leaves nothing half-made behind.
export class Rollback {
  private undos: Array<{what: string; fn: () => Promise<unknown>}> = []

  push(what: string, fn: () => Promise<unknown>): void {
    this.undos.push({what, fn})
  }

  /** Forget the undos: the operation succeeded and its effects are now owned by a record. */
  commit(): void {
    this.undos = []
  }

  async unwind(): Promise<void> {
    while (this.undos.length > 0) {
      const u = this.undos.pop()!
      try {
        await u.fn()
      } catch (error) {
        if (process.env.MINIRUN_DEBUG) console.error(`rollback of ${u.what} failed:`, error)
      }
    }
  }
}

/** Run `fn` with a rollback stack that unwinds if it throws. */
export async function transaction<T>(fn: (rb: Rollback) => Promise<T>): Promise<T> {
  const rb = new Rollback()
  try {
    const v = await fn(rb)
    rb.commit()
    return v
  } catch (error) {
    await rb.unwind()
    throw error
  }
}
