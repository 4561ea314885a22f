import fs from 'node:fs/promises'
import path from 'node:path'
import {isAlive, pidStartTime, signal, waitFor} from '../../../kernel/proc.js'
import {spawnDetached, toolPath} from '../../../kernel/runner.js'
import {overlayDir} from './cluster.js'

// The overlay agent's life: started with this host's first overlay container, stopped with its
// last (as podman starts and stops aardvark-dns). Its PID and start time are kept in the runtime
// dir, so only that very process is ever signalled.

// minirun's own entry script (this file is bundled into the fast path too: no path relative to it)
const BIN = process.argv[1]
const pidFile = () => path.join(overlayDir(), 'agent.pid')
export const agentLog = () => path.join(overlayDir(), 'agent.log')

export async function agentPid(): Promise<{pid: number; start: number} | undefined> {
  const text = await fs.readFile(pidFile(), 'utf8').catch(() => '')
  const [pid, start] = text.trim().split(' ').map(Number)
  return pid > 0 && isAlive(pid, start) ? {pid, start} : undefined
}

/** Start the agent unless it runs. Called under the store lock, so two runs never start two. */
export async function ensureAgent(): Promise<void> {
  if (await agentPid()) return
  // a host-side helper: a fixed environment, only the store's location passed on
  const env: Record<string, string> = {PATH: toolPath(), LC_ALL: 'C'}
  for (const k of ['MINIRUN_ROOT', 'MINIRUN_RUNTIME_DIR'] as const) if (process.env[k]) env[k] = process.env[k]!
  await fs.mkdir(overlayDir(), {recursive: true})
  const pid = await spawnDetached([process.execPath, BIN, 'network', 'overlay-agent'], {logFile: agentLog(), env, why: "this host's overlay agent: renews its etcd lease, follows peers and names"})
  await fs.writeFile(pidFile(), `${pid} ${pidStartTime(pid)}\n`)
}

export async function stopAgent(): Promise<void> {
  const a = await agentPid()
  if (a) {
    signal(a.pid, 'SIGTERM', a.start)
    if (!(await waitFor(() => !isAlive(a.pid, a.start), 2000, 20))) signal(a.pid, 'SIGKILL', a.start)
  }
  await fs.rm(pidFile(), {force: true})
}
