import test from 'ava'
import {TestHost} from '../helpers/host.js'

// Issue 13, lifecycle: create/start, restart, wait, rename, restart policies. A stopped
// container keeps its record, upper dir, name, networks and published ports; start brings it
// back with them (and its old address when it is still free).

let host: TestHost
test.before(async () => {
  host = await TestHost.create('start')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const state = async (ref: string) => JSON.parse(await host.ok('inspect', ref))[0]
const until = async (cond: () => Promise<boolean>, ms = 30_000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await cond()) return true
  return false
}
const curl = (port: number) => host.sh(`curl -s --max-time 3 --retry 20 --retry-connrefused --retry-delay 1 http://127.0.0.1:${port}/`)

test.serial('create then start -a runs it once; a second start of a finished container runs it again', async (t) => {
  const id = await host.ok('create', '--name', 'job', '--network', 'none', 'busybox', 'sh', '-c', 'echo run >> /count; wc -l < /count; exit 3')
  t.is((await state(id)).State.Status, 'created')
  t.regex(await host.ok('ps', '-a'), /Created\s+job/)
  const first = await host.mr('start', '-a', 'job')
  t.is(first.exitCode, 3)
  t.is(first.stdout.trim(), '1')
  // the upper dir is kept: the file written by the first run is still there
  const second = await host.mr('start', '-a', 'job')
  t.is(second.stdout.trim(), '2')
  t.is((await state('job')).State.ExitCode, 3)
  await host.ok('rm', 'job')
  t.deepEqual(await host.leaks(), [])
})

test.serial('restart keeps the address and the published port working; wait prints the exit code', async (t) => {
  await host.ok('network', 'create', 'lifenet')
  await host.ok('run', '-d', '--name', 'web', '--network', 'lifenet', '-p', '18300:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  const ip = (await state('web')).NetworkSettings.Networks.lifenet.IPAddress
  t.regex((await curl(18300)).stdout, /minirun/i)
  await host.ok('restart', '-t', '1', 'web')
  t.is((await state('web')).State.Status, 'running')
  t.is((await state('web')).NetworkSettings.Networks.lifenet.IPAddress, ip, 'the same address')
  t.regex((await curl(18300)).stdout, /minirun/i, 'the same published port')
  // stop, then start: the same again
  await host.ok('stop', '-t', '1', 'web')
  t.regex(await host.ok('port', 'web'), /18300/)
  await host.ok('start', 'web')
  t.regex((await curl(18300)).stdout, /minirun/i)
  const waiter = host.mr('wait', 'web')
  await new Promise((r) => setTimeout(r, 500))
  await host.ok('kill', 'web')
  t.is((await waiter).stdout.trim(), '137')
  await host.ok('rm', 'web')
  await host.ok('network', 'rm', 'lifenet')
  t.deepEqual(await host.leaks(), [])
})

test.serial('rename: the new name finds it, the old one no longer does, and peers resolve the new one', async (t) => {
  await host.ok('network', 'create', 'rennet')
  await host.ok('run', '-d', '--name', 'before', '--network', 'rennet', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'peer', '--network', 'rennet', 'busybox', 'sleep', '600')
  await host.ok('rename', 'before', 'after')
  t.is((await state('after')).Name, '/after')
  t.regex((await host.mr('inspect', 'before')).stderr, /^Error: no such container: before/)
  t.is((await host.mr('exec', 'peer', 'ping', '-c1', '-W2', 'after')).exitCode, 0)
  const taken = await host.mr('rename', 'after', 'peer')
  t.is(taken.exitCode, 1)
  t.regex(taken.stderr, /^Error: the container name "peer" is already in use/)
  await host.ok('rm', '-f', 'after', 'peer')
  await host.ok('network', 'rm', 'rennet')
  t.deepEqual(await host.leaks(), [])
})

test.serial('--restart on-failure:2 restarts exactly twice; always survives kill -9 of its process and stop ends it for good', async (t) => {
  await host.ok('run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', '--network', 'none', 'busybox', 'sh', '-c', 'exit 7')
  t.true(await until(async () => (await state('flaky')).RestartCount === 2 && (await state('flaky')).State.Status === 'exited'))
  await new Promise((r) => setTimeout(r, 2000))
  const flaky = await state('flaky')
  t.is(flaky.RestartCount, 2, 'no third restart')
  t.is(flaky.State.ExitCode, 7)
  t.deepEqual(flaky.HostConfig.RestartPolicy, {Name: 'on-failure', MaximumRetryCount: 2})

  await host.ok('run', '-d', '--name', 'always', '--restart', 'always', '--network', 'none', 'busybox', 'sleep', '600')
  const pid = (await state('always')).State.Pid as number
  process.kill(pid, 'SIGKILL')
  t.true(await until(async () => {
    const s = await state('always')
    return s.State.Status === 'running' && s.State.Pid !== pid && s.RestartCount === 1
  }), 'it came back')
  await host.ok('stop', '-t', '1', 'always')
  await new Promise((r) => setTimeout(r, 1500))
  t.is((await state('always')).State.Status, 'exited', 'stop ends it for good')
  // control: without a policy the same kill leaves it exited
  await host.ok('run', '-d', '--name', 'once', '--network', 'none', 'busybox', 'sleep', '600')
  process.kill((await state('once')).State.Pid, 'SIGKILL')
  await new Promise((r) => setTimeout(r, 1500))
  t.is((await state('once')).RestartCount, 0)
  await host.ok('rm', '-f', 'flaky', 'always', 'once')
  t.deepEqual(await host.leaks(), [])
})

test.serial('pause freezes every process (nothing runs, nothing is signalled), unpause lets them go on; stop works on a paused one', async (t) => {
  const id = await host.ok('run', '-d', '--name', 'ticker', '--network', 'none', 'busybox', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done')
  const count = async () => Number((await host.ok('exec', id, 'cat', '/tmp/n')).trim())
  await new Promise((r) => setTimeout(r, 500))
  await host.ok('pause', 'ticker')
  t.is((await state('ticker')).State.Status, 'paused')
  t.true((await state('ticker')).State.Paused)
  t.regex(await host.ok('ps'), /\(Paused\)/)
  const exec = await host.mr('exec', 'ticker', 'true')
  t.regex(exec.stderr, /^Error: container ticker is paused; unpause it first/)
  // frozen: the shell's state is 'D' or 'S' with no progress, read from the host
  const pid = (await state('ticker')).State.Pid
  const file = `/proc/${pid}/root/tmp/n`
  const {readFileSync} = await import('node:fs')
  const before = readFileSync(file, 'utf8')
  await new Promise((r) => setTimeout(r, 800))
  t.is(readFileSync(file, 'utf8'), before, 'no progress while paused')
  t.regex((await host.mr('pause', 'ticker')).stderr, /^Error: container ticker is already paused/)
  await host.ok('unpause', 'ticker')
  const after = await count()
  await new Promise((r) => setTimeout(r, 500))
  t.true((await count()) > after, 'it runs again')
  await host.ok('pause', 'ticker')
  await host.ok('stop', '-t', '1', 'ticker')
  t.is((await state('ticker')).State.Status, 'exited')
  await host.ok('rm', 'ticker')
  t.deepEqual(await host.leaks(), [])
})

test.serial('wrong states and bad input are one clear line', async (t) => {
  await host.ok('run', '-d', '--name', 'busy', '--network', 'none', 'busybox', 'sleep', '600')
  const twice = await host.mr('start', 'busy')
  t.is(twice.exitCode, 1)
  t.regex(twice.stderr, /^Error: container busy is already running/)
  const bad = await host.mr('run', '-d', '--restart', 'sometimes', '--network', 'none', 'busybox', 'true')
  t.is(bad.exitCode, 125)
  t.regex(bad.stderr, /^Error: invalid --restart "sometimes"/)
  const rm = await host.mr('run', '--rm', '--restart', 'always', '--network', 'none', 'busybox', 'true')
  t.regex(rm.stderr, /^Error: --restart and --rm conflict/)
  const missing = await host.mr('start', 'nosuch')
  t.regex(missing.stderr, /^Error: no such container: nosuch/)
  await host.ok('rm', '-f', 'busy')
  t.deepEqual(await host.leaks(), [])
})
