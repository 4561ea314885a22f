import test from 'ava'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {liveStatus} from '../../src/containers/inspect.js'
import type {ContainerRecord} from '../../src/containers/record.js'
import {pidStartTime} from '../../src/kernel/proc.js'

// A container whose PID 1 has died is "running" until what records its exit (the supervisor, or
// the attached `run`) is done: before, inspect showed "exited" with exit code 0 in between.
const deadPid = async () => {
  const child = spawn('true')
  await once(child, 'exit')
  return child.pid!
}
const record = (state: Partial<ContainerRecord['state']>) => ({state: {status: 'running', pid: 0, pidStart: 0, launcherPid: 0, supervisorPid: 0, exitCode: 0, startedAt: '', finishedAt: '', error: '', ...state}}) as ContainerRecord

test('PID 1 gone, its exit not recorded yet: running while the recorder lives, exited once it is gone too', async (t) => {
  const pid = await deadPid()
  t.is(liveStatus(record({pid, supervisorPid: process.pid, supervisorStart: pidStartTime(process.pid)})), 'running')
  t.is(liveStatus(record({pid, supervisorPid: await deadPid()})), 'exited')
  t.is(liveStatus(record({pid, supervisorPid: process.pid, supervisorStart: pidStartTime(process.pid) + 1})), 'exited', 'a recycled PID is not the recorder')
  t.is(liveStatus(record({pid: process.pid, pidStart: pidStartTime(process.pid)})), 'running')
  t.is(liveStatus(record({status: 'exited', pid})), 'exited')
})
