import {spawn, type ChildProcess} from 'node:child_process'
import {UserError} from '../errors.js'

// A kernel flock(2) held by a tiny `flock FILE sh -c 'echo locked; exec cat'` child: `cat` keeps
// the locked descriptor until its stdin (our pipe) closes — when we release, or when we die, so
// a SIGKILLed holder can never leave the lock behind and no staleness guess is ever needed.
const TIMED_OUT = 75

export interface Flock {
  release(): void
}

export function holdFlock(file: string, waitSeconds: number, what: string): Promise<Flock> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('/usr/bin/flock', ['-w', String(waitSeconds), '-E', String(TIMED_OUT), file, '/bin/sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    child.once('error', (e) => reject(new UserError(`cannot lock ${what}: ${e.message} (install util-linux)`)))
    child.stdout!.once('data', () => {
      child.stdout!.destroy()
      resolve({
        release() {
          child.stdin!.end()
          child.unref()
        },
      })
    })
    child.once('exit', (code) => {
      if (code === TIMED_OUT) reject(new UserError(`${what} stayed locked by another minirun for ${waitSeconds}s; retry when it has finished`))
      else reject(new UserError(`cannot lock ${what} (flock exited ${code})`))
    })
  })
}
