import fs from 'node:fs/promises'
import {liveStatus} from '../containers/inspect.js'
import {killContainer, startContainer, stopContainer} from '../containers/lifecycle.js'
import {parseLog, timeOf} from '../containers/log-format.js'
import {logFile, type ContainerRecord} from '../containers/record.js'
import {findContainer} from '../containers/find.js'
import {limitsOf} from '../containers/process-spec.js'
import {cgroupPlan} from '../kernel/cgroups.js'
import {instanceTag} from '../state/paths.js'
import {UserError} from '../errors.js'
import {podMembers} from './pods.js'
import {findPod, type PodRecord} from './records.js'
import {byText} from '../util/compare.js'

// pod start | stop | restart | kill | logs | top | stats: the container commands, over a pod.
// The pause container comes up first and goes down last: it holds the namespaces.

async function parts(ref: string): Promise<{pod: PodRecord; infra: ContainerRecord; members: ContainerRecord[]}> {
  const pod = await findPod(ref)
  const infra = await findContainer(pod.infraId).catch(() => {
    throw new UserError(`pod ${pod.name} has no pause container any more; remove it (minirun pod rm -f ${pod.name})`)
  })
  return {pod, infra, members: (await podMembers(pod)).sort((a, b) => byText(a.created, b.created))}
}

export async function startPod(ref: string): Promise<PodRecord> {
  const {pod, infra, members} = await parts(ref)
  if (liveStatus(infra) !== 'running') await startContainer(infra.id, {attach: false, interactive: false})
  for (const m of members) if (liveStatus(m) !== 'running') await startContainer(m.id, {attach: false, interactive: m.config.interactive})
  return pod
}

export async function stopPod(ref: string, timeout: number): Promise<PodRecord> {
  const {pod, infra, members} = await parts(ref)
  await Promise.all(members.map((m) => stopContainer(m.id, timeout)))
  await stopContainer(infra.id, timeout)
  return pod
}

export async function restartPod(ref: string, timeout: number): Promise<PodRecord> {
  await stopPod(ref, timeout)
  return startPod(ref)
}

export async function killPod(ref: string, sig: string): Promise<PodRecord> {
  const {pod, infra, members} = await parts(ref)
  const running = [...members, infra].filter((c) => liveStatus(c) === 'running')
  if (running.length === 0) throw new UserError(`pod ${pod.name} has no running containers`)
  // members first: the pause container holds the namespaces they are in
  for (const c of running) await killContainer(c.id, sig)
  return pod
}

/** Every member's log lines, in time order, each prefixed with its container's name. */
export async function podLogs(ref: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const {members} = await parts(ref)
  const lines = []
  for (const m of members) {
    const buf = await fs.readFile(logFile(m.id)).catch(() => Buffer.alloc(0))
    for (const l of parseLog(buf).lines) lines.push({name: m.name, ...l})
  }
  lines.sort((a, b) => timeOf(a) - timeOf(b))
  for (const l of lines) (l.stream === 'stderr' ? err : out).write(Buffer.concat([Buffer.from(`${l.name} `), l.data]))
}

const nsOf = (pid: number) => fs.readlink(`/proc/${pid}/ns/pid`).catch(() => '')

/** The processes in each running member's PID namespace, read from /proc (host PIDs). */
export async function podTop(ref: string): Promise<string[][]> {
  const {members} = await parts(ref)
  const all = (await fs.readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number)
  const rows: string[][] = []
  for (const m of members) {
    if (liveStatus(m) !== 'running') continue
    const ns = await nsOf(m.state.pid)
    if (!ns) continue
    for (const pid of all) {
      if ((await nsOf(pid)) !== ns) continue
      const cmd = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ')
      rows.push([m.name, String(pid), cmd.slice(0, 120)])
    }
  }
  return rows
}

async function readNumber(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined)
  const n = text === undefined ? NaN : Number(text.trim().split('\n')[0].replace(/^usage_usec /, ''))
  return Number.isFinite(n) ? n : undefined
}

/** Per member: processes (from /proc), and memory, pids and CPU from its cgroup when it has one. */
export async function podStats(ref: string): Promise<Array<{name: string; state: string; pids: number; memory?: number; cpuSeconds?: number}>> {
  const {members} = await parts(ref)
  const top = await podTop(ref)
  const out = []
  for (const m of members) {
    const plan = cgroupPlan(m.id, instanceTag(), limitsOf(m))
    let memory: number | undefined
    let cpu: number | undefined
    // cgroup v2 files first, then v1's (one leaf per hierarchy there)
    for (const leaf of plan.leaves) {
      memory ??= (await readNumber(`${leaf}/memory.current`)) ?? (await readNumber(`${leaf}/memory.usage_in_bytes`))
      const ns = await readNumber(`${leaf}/cpuacct.usage`)
      cpu ??= (await readNumber(`${leaf}/cpu.stat`)) ?? (ns === undefined ? undefined : ns / 1000)
    }
    out.push({name: m.name, state: liveStatus(m), pids: top.filter((r) => r[0] === m.name).length, memory, cpuSeconds: cpu === undefined ? undefined : cpu / 1e6})
  }
  return out
}
