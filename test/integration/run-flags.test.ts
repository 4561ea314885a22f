import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, TestHost} from '../helpers/host.js'

// Issue 14: the `run` and `exec` flags Docker scripts use, each as Docker gives it.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('flags')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const run = (...args: string[]) => host.mr('run', '--rm', '--network', 'none', ...args)

test.serial('-u: a name or uid[:gid] of the image, with its groups and home; no capabilities for a non-root user', async (t) => {
  const named = await run('-u', 'nobody', 'busybox', 'sh', '-c', 'id; echo $HOME; grep CapEff /proc/self/status')
  t.is(named.exitCode, 0, named.stderr)
  t.regex(named.stdout, /^uid=65534\(nobody\) gid=65534\(/m)
  t.regex(named.stdout, /^\/nonexistent$|^\/home$/m)
  t.regex(named.stdout, /CapEff:\s+0000000000000000/)
  t.regex((await run('-u', '1234:5678', 'busybox', 'id')).stdout, /^uid=1234 gid=5678/)
  const bad = await run('-u', 'nosuchuser', 'busybox', 'true')
  t.is(bad.exitCode, 125)
  t.regex(bad.stderr, /^Error: unable to find user "nosuchuser": no matching entries in the image's \/etc\/passwd/)
  // root stays root with Docker's capabilities (the control)
  t.regex((await run('busybox', 'grep', 'CapEff', '/proc/self/status')).stdout, /CapEff:\s+00000000a80425fb/)
  t.deepEqual(await host.leaks(), [])
})

test.serial('--read-only, --tmpfs, --shm-size, --ulimit', async (t) => {
  const ro = await run('--read-only', '--tmpfs', '/run:rw,size=1m', 'busybox', 'sh', '-c', 'touch /x 2>&1; touch /run/ok && echo RUN-OK; df -k /run | tail -1')
  t.regex(ro.stdout, /Read-only file system/)
  t.regex(ro.stdout, /RUN-OK/)
  t.regex(ro.stdout, /\s1024\s/, 'a 1 MiB tmpfs')
  const viaMount = await run('--mount', 'type=tmpfs,dst=/cache,tmpfs-size=2097152', 'busybox', 'df', '-k', '/cache')
  t.regex(viaMount.stdout, /\s2048\s/, viaMount.stderr)
  const noexec = await run('--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'cp /bin/busybox /scratch/b && /scratch/b true; echo $?')
  t.is(noexec.stdout.trim().split('\n').at(-1), '126', "Docker's tmpfs default is noexec")
  t.regex((await run('--shm-size', '2m', 'busybox', 'df', '-k', '/dev/shm')).stdout, /\s2048\s/)
  t.is((await run('--ulimit', 'nofile=100:200', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn')).stdout, '100\n200\n')
  t.regex((await run('--ulimit', 'nofile=300:200', 'busybox', 'true')).stderr, /^Error: invalid --ulimit "nofile=300:200": the soft limit is above the hard one/)
  t.deepEqual(await host.leaks(), [])
})

test.serial('--entrypoint, --env-file, -l, --add-host, --expose with -P, --stop-signal and --stop-timeout', async (t) => {
  t.is((await run('--entrypoint', 'echo', 'busybox', 'hello', 'there')).stdout, 'hello there\n')
  const envFile = path.join(host.dir, 'vars.env')
  fs.writeFileSync(envFile, '# a comment\nFROM_FILE=1\n\nOVERRIDDEN=file\n')
  t.is((await run('--env-file', envFile, '-e', 'OVERRIDDEN=flag', 'busybox', 'sh', '-c', 'echo $FROM_FILE $OVERRIDDEN')).stdout, '1 flag\n')
  // (Node 20 itself reads a --env-file anywhere on its command line and stops first when it is missing)
  const missing = await run('--env-file', '/nonexistent.env', 'busybox', 'true')
  t.not(missing.exitCode, 0)
  t.regex(missing.stderr, /\/nonexistent\.env: (no such file|not found)/)
  t.regex((await run('--add-host', 'db.local:10.1.2.3', 'busybox', 'cat', '/etc/hosts')).stdout, /^10\.1\.2\.3\tdb\.local$/m)
  const id = await host.ok('run', '-d', '-l', 'tier=web', '-l', 'solo', '--expose', '8081', '-P', '--stop-signal', 'SIGUSR1', '--stop-timeout', '1', 'busybox', 'sh', '-c', 'trap "echo got-usr1; exit 0" USR1; while :; do sleep 0.1; done')
  const rec = JSON.parse(await host.ok('inspect', id))[0]
  t.deepEqual(rec.Config.Labels, {tier: 'web', solo: ''})
  t.regex(await host.ok('port', id), /^8081\/tcp -> 0\.0\.0\.0:\d+$/m)
  await host.ok('stop', id)
  t.regex(await host.ok('logs', id), /got-usr1/, 'stop sent the --stop-signal')
  t.is(JSON.parse(await host.ok('inspect', id))[0].State.ExitCode, 0)
  await host.ok('rm', id)
  t.deepEqual(await host.leaks(), [])
})

test.serial('exec -u, -d and --env-file', async (t) => {
  await host.ok('run', '-d', '--name', 'ex', '--network', 'none', 'busybox', 'sleep', '600')
  t.regex(await host.ok('exec', '-u', 'nobody', 'ex', 'id'), /^uid=65534\(nobody\)/)
  const envFile = path.join(host.dir, 'exec.env')
  fs.writeFileSync(envFile, 'A=from-file\n')
  t.is(await host.ok('exec', '--env-file', envFile, 'ex', 'sh', '-c', 'echo $A'), 'from-file')
  t.is(await host.ok('exec', '-d', 'ex', 'sh', '-c', 'sleep 0.3; echo done > /tmp/detached'), '')
  let out = ''
  for (let i = 0; i < 50 && out !== 'done'; i++) {
    await new Promise((r) => setTimeout(r, 100))
    out = (await host.mr('exec', 'ex', 'cat', '/tmp/detached')).stdout.trim()
  }
  t.is(out, 'done', 'the detached command ran on after exec returned')
  await host.ok('rm', '-f', 'ex')
  t.deepEqual(await host.leaks(), [])
})

test.serial("eth0 has its subnet's broadcast address, as Docker sets it", async (t) => {
  const r = await host.mr('run', '--rm', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0')
  t.regex(r.stdout, /inet 172\.17\.\d+\.\d+\/16 brd 172\.17\.255\.255 /, r.stdout + r.stderr)
  t.deepEqual(await host.leaks(), [])
})

test.serial('stats without --no-stream keeps printing readings until it is stopped', async (t) => {
  await host.ok('run', '-d', '--name', 'busy1', '--network', 'none', 'busybox', 'sleep', '600')
  // wait for two readings (bounded), not a fixed time: under load the CLI alone can take seconds to start
  const r = await host.sh(`f=$(mktemp); ${process.execPath} ${BIN} stats --format '{{.Name}} {{.PIDs}}' busy1 >$f 2>&1 & p=$!
    for i in $(seq 600); do [ "$(grep -c '^busy1 ' $f)" -ge 2 ] && break; sleep 0.1; done
    kill -INT $p; wait $p; cat $f; rm -f $f`)
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('busy1 '))
  t.true(lines.length >= 2, r.stdout + r.stderr)
  await host.ok('rm', '-f', 'busy1')
  t.deepEqual(await host.leaks(), [])
})
