import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'

/** The sha256 of a file, hex, streamed (a layer may be large). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
