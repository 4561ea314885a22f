import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {compileFixtures, sleep, TestHost} from '../helpers/host.js'

// A container's PID 1 whose first thread exits while another lives on: /proc/PID/stat of the
// process reads "Z" (its leader's state) although it runs. minirun took that for an exited
// container: stop sent no signal, rm removed the record, and the process went on outside any
// container minirun knows of, with its namespace, its veth on the bridge and the address (and
// MAC) the next container is given. Docker kills the process (all its threads) at rm -f.

let host: TestHost
let tools: string
test.before(async () => {
  host = await TestHost.create('attack5')
  tools = await compileFixtures(host, ['leader-exit'])
})
test.after.always(async () => {
  await host?.close()
})

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '')

test.serial('a container whose first thread exits is still running, is stopped, and is gone at rm -f with its veth', async (t) => {
  const share = fs.mkdtempSync(path.join(host.dir, 'share-'))
  fs.chmodSync(share, 0o777)
  await host.ok('network', 'create', 'atk5n')
  t.teardown(async () => {
    await host.mr('rm', '-f', 'atk5-z', 'atk5-next', 'atk5-plain')
    await host.mr('network', 'rm', 'atk5n')
  })
  const bridge = await host.bridgeOf('atk5n')
  const gateway = JSON.parse(await host.ok('network', 'inspect', 'atk5n'))[0].IPAM.Config[0].Gateway as string
  // control: a plain container is running, and its veth leaves the bridge at rm -f
  await host.ok('run', '-d', '--name', 'atk5-plain', '--network', 'atk5n', 'busybox', 'sleep', '600')
  t.is((await host.ok('inspect', '-f', '{{.State.Status}}', 'atk5-plain')).trim(), 'running', 'control')
  await host.ok('rm', '-f', 'atk5-plain')
  t.deepEqual(await host.bridgePorts(bridge), [], 'control: its veth is off the bridge')

  await host.ok('run', '-d', '--name', 'atk5-z', '--network', 'atk5n', '-v', `${share}:/x`, '-v', `${tools}:/probe:ro`, 'busybox', '/probe/leader-exit', '/x', '17778', gateway)
  const ip = JSON.parse(await host.ok('inspect', 'atk5-z'))[0].NetworkSettings.IPAddress as string
  for (let i = 0; i < 50 && Number(read(path.join(share, 'beat')) || 0) < 3; i++) await sleep(100)
  t.true(Number(read(path.join(share, 'beat'))) >= 3, 'control: the second thread runs')
  t.is((await host.ok('inspect', '-f', '{{.State.Status}}', 'atk5-z')).trim(), 'running', 'a process that runs is a running container')
  const rm = await host.mr('rm', '-f', 'atk5-z')
  t.is(rm.exitCode, 0, rm.stderr)
  const beat = read(path.join(share, 'beat'))
  await sleep(500)
  t.is(read(path.join(share, 'beat')), beat, 'nothing of the container runs after rm -f')
  for (let i = 0; i < 50 && (await host.bridgePorts(bridge)).length > 0; i++) await sleep(100)
  t.deepEqual(await host.bridgePorts(bridge), [], "the removed container's veth is off the bridge")

  // the next container gets the same address: nothing of the old one reads its traffic
  await host.ok('run', '-d', '--name', 'atk5-next', '--network', 'atk5n', 'busybox', 'sleep', '600')
  t.is(JSON.parse(await host.ok('inspect', 'atk5-next'))[0].NetworkSettings.IPAddress, ip, 'control: the address was given again')
  fs.writeFileSync(path.join(share, 'go'), '')
  await sleep(500)
  for (let i = 0; i < 5; i++) (await host.sh(`bash -c "echo secret${i} > /dev/udp/${ip}/17778"`), await sleep(100))
  t.notRegex(read(path.join(share, 'got')), /got: secret/, 'traffic for the new container was read by the old one')
  await host.ok('rm', '-f', 'atk5-next')
  t.deepEqual(await host.leaks(), [])
})
