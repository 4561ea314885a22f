import fs from 'node:fs'
import {explainTo} from '../kernel/runner.js'
import {rootDir, runtimeDir} from '../state/paths.js'
import {createTranscript} from './transcript.js'

// --explain: every kernel-level step as the equivalent shell command, as it runs, on stderr;
// --explain=FILE writes the same transcript to FILE instead (the entry point rewrites that form
// to the plain flag and leaves the file name in MINIRUN_EXPLAIN_FILE: oclif booleans take no value).

let lines: string[] | undefined

export function startExplain(on: boolean | undefined): void {
  const file = process.env.MINIRUN_EXPLAIN_FILE
  if (!on && !file) return
  const format = createTranscript({root: rootDir(), runtime: runtimeDir()})
  let fd: number | undefined
  if (file) {
    fd = fs.openSync(file, 'w')
    fs.writeSync(fd, '#!/bin/sh\n# minirun --explain transcript: each step as a shell command (replayable as root)\nset -e\n')
  }
  lines = []
  explainTo((chunk) => {
    const out = format(chunk)
    lines!.push(...out)
    const text = out.join('\n') + '\n'
    if (fd === undefined) process.stderr.write(text)
    else fs.writeSync(fd, text)
  })
}

/** The transcript so far (kept by the container's state dir, for the live diagram page). */
export function transcript(): string | undefined {
  return lines ? lines.join('\n') + '\n' : undefined
}

/** Keep the transcript beside the container's record (explain.sh): the live diagram page shows it. */
export function keepTranscript(containerDir: string): void {
  const text = transcript()
  if (text === undefined) return
  try {
    fs.writeFileSync(`${containerDir}/explain.sh`, text)
  } catch {} // the container is already gone (--rm): nothing to keep it with
}
