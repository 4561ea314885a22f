import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, compileFixtures, TestHost} from '../helpers/host.js'

// Attacks that got through after issue 12 (attacks.test.ts), written as the attack with its
// control, as there. Each is harmless if it succeeds: the input pushed into a terminal is a
// line the test's own shell reads into a variable, the file truncated is the test's own, device
// nodes are made and removed without ever being opened, the socket is closed at once.


let host: TestHost
let tools: string
test.before(async () => {
  host = await TestHost.create('attack2')
  tools = await compileFixtures(host, ['ttyprobe', 'sysprobe2'])
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const mr = `${process.execPath} ${BIN}`

/** `script` gives the shell a terminal, as an admin typing at one; returns what it printed. */
async function inTerminal(body: string): Promise<string> {
  const file = path.join(host.dir, `term-${Date.now()}.sh`)
  fs.writeFileSync(file, body)
  const r = await host.exec(['script', '-qec', `bash ${file}`, '/dev/null'])
  return r.stdout.replace(/\r/g, '')
}

const PUSH = "'echo PUSHED-BY-THE-CONTAINER\n'"

test.serial("run and exec without -t: the container never gets the caller's terminal (no TIOCSTI into the host shell)", async (t) => {
  // control: a process that shares the admin's terminal session pushes a line the admin's shell
  // then reads as if typed (a root shell would run it as a command)
  const control = await inTerminal(`${tools}/ttyprobe ${PUSH}\nread -t 2 line; echo "shell read: [$line]"\n`)
  t.regex(control, /devtty=OPEN/)
  t.regex(control, /tiocsti=OK/)
  t.regex(control, /shell read: \[echo PUSHED-BY-THE-CONTAINER\]/, 'the probe works where it holds the terminal')

  const id = await host.ok('run', '-d', '--network', 'none', '-v', `${tools}:/probe:ro`, 'busybox', 'sleep', '60')
  const out = await inTerminal(
    [
      `${mr} run --rm --network none -v ${tools}:/probe:ro busybox /probe/ttyprobe ${PUSH}`,
      `${mr} exec ${id} /probe/ttyprobe ${PUSH}`,
      `${mr} exec -i ${id} /probe/ttyprobe ${PUSH} </dev/tty`,
      // a process the exec leaves behind in the container, for later, after minirun is gone
      `${mr} exec ${id} sh -c 'setsid sh -c "sleep 1; /probe/ttyprobe ${PUSH.replace(/'/g, '')} >/dev/null 2>&1" >/dev/null 2>&1 &'`,
      'sleep 2',
      'read -t 2 line; echo "shell read: [$line]"',
      '',
    ].join('\n'),
  )
  t.notRegex(out, /devtty=OPEN|tiocsti=OK/, out)
  t.is(out.match(/devtty=No such device or address/g)?.length, 3, out)
  t.regex(out, /fd0 tty=0\nfd1 tty=0\nfd2 tty=0/, 'no terminal as stdio either')
  t.regex(out, /shell read: \[\]/, out)
  await host.ok('rm', '-f', id)
  t.deepEqual(await host.leaks(), [])
})

test.serial("exec: the caller's redirections stay the caller's (no reopening the host file through /proc/self/fd)", async (t) => {
  const attack = ': > /proc/self/fd/1; echo appended'
  // control: a process holding the file's descriptor truncates the whole file, although it was
  // only given it to append to
  const ctl = path.join(host.dir, 'control-log')
  fs.writeFileSync(ctl, 'precious\n')
  await host.exec(['sh', '-c', `sh -c '${attack}' >> ${ctl}`])
  t.is(fs.readFileSync(ctl, 'utf8'), 'appended\n')

  const id = await host.ok('run', '-d', '--network', 'none', 'busybox', 'sleep', '60')
  const log = path.join(host.dir, 'admin-log')
  fs.writeFileSync(log, 'precious\n')
  const r = await host.exec(['sh', '-c', `${mr} exec ${id} sh -c '${attack}; stat -L -c %i /proc/self/fd/1' >> ${log}`])
  t.is(r.exitCode, 0, r.stderr)
  const [first, second, inode] = fs.readFileSync(log, 'utf8').split('\n')
  t.is(first, 'precious', 'the host file was truncated from inside the container')
  t.is(second, 'appended')
  t.not(Number(inode), fs.statSync(log).ino, "the container's stdout is the host file itself")
  // and stdin from a host file: the container reads it, but cannot reopen it to write
  const input = path.join(host.dir, 'admin-input')
  fs.writeFileSync(input, 'data\n')
  const w = await host.exec(['sh', '-c', `${mr} exec -i ${id} sh -c 'cat; echo overwritten > /proc/self/fd/0' < ${input}`])
  t.is(w.stdout, 'data\n')
  t.is(fs.readFileSync(input, 'utf8'), 'data\n')
  await host.ok('rm', '-f', id)
  t.deepEqual(await host.leaks(), [])
})

const parse = (out: string) => Object.fromEntries(out.trim().split('\n').map((l) => l.split('=')))

test.serial("devices: no character or block node can be made (Docker's device cgroup), with or without the seccomp profile", async (t) => {
  const probe = async (...flags: string[]) => {
    const r = await host.mr('run', '--rm', '--network', 'none', '-v', `${tools}:/probe:ro`, ...flags, 'busybox', '/probe/sysprobe2')
    t.is(r.exitCode, 0, r.stderr)
    return parse(r.stdout)
  }
  const nodes = ['mknod-block-loop0', 'mknod-char-kvm', 'mknodat-char-tty1-highbits']
  const d = await probe()
  for (const n of nodes) t.is(d[n], 'EPERM', `${n} in a default container`)
  t.is(d['mknod-fifo'], 'OK', 'a FIFO is no device')
  const unconfined = await probe('--security-opt', 'seccomp=unconfined')
  for (const n of nodes) t.is(unconfined[n], 'EPERM', `${n} with seccomp=unconfined (the device cgroup stays in Docker)`)
  // control: --privileged makes them (and a node made that way opens the host's device)
  const priv = await probe('--privileged')
  for (const n of nodes) t.is(priv[n], 'OK', `${n} --privileged`)
  const kvm = await host.mr('run', '--rm', '--network', 'none', '--privileged', 'busybox', 'sh', '-c', 'mknod /tmp/kvm c 10 232 && (exec 3<>/tmp/kvm) && echo OPENED')
  if (fs.existsSync('/dev/kvm')) t.regex(kvm.stdout, /OPENED/, 'the node opens the host device where nothing refuses it')
  t.deepEqual(await host.leaks(), [])
})

test.serial("seccomp: AF_VSOCK and personality flags, as Docker's default profile", async (t) => {
  const run = async (...flags: string[]) => parse((await host.ok('run', '--rm', '--network', 'none', '-v', `${tools}:/probe:ro`, ...flags, 'busybox', '/probe/sysprobe2')) + '\n')
  const d = await run()
  t.is(d['socket-vsock'], 'EPERM', 'a vsock socket reaches the hypervisor host, outside the VM')
  t.is(d['personality-read-implies-exec'], 'EPERM')
  t.is(d['personality-addr-no-randomize'], 'EPERM')
  t.is(d['personality-query'], 'OK', 'Docker allows the query')
  t.is(d['personality-linux32'], 'OK', 'Docker allows PER_LINUX32')
  // control: without the profile the same calls go through (on a kernel with vsock)
  const o = await run('--security-opt', 'seccomp=unconfined')
  t.is(o['personality-addr-no-randomize'], 'OK')
  if (fs.readFileSync('/proc/net/protocols', 'utf8').includes('AF_VSOCK')) t.is(o['socket-vsock'], 'OK')
  t.deepEqual(await host.leaks(), [])
})
