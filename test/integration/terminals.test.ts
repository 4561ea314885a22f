import test from 'ava'
import {BIN, TestHost} from '../helpers/host.js'

// Issue 13, terminals and logs: the launcher's monitor gives -t a pty of the container's own,
// keeps stdin for -i, serves attach, and logs each stream apart. Terminals are driven through
// real ptys from the test (util-linux `script`, Python's pty module).

let host: TestHost
test.before(async () => {
  host = await TestHost.create('tty')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

const minirun = `${process.execPath} ${BIN}`

/**
 * A Python program that runs `minirun attach ARGS` on a pty and types as a person would: it
 * waits until attach has put the terminal in raw mode, then for each step waits for the text
 * (if any) to appear and types the keys; it prints everything attach wrote. Waiting for
 * states instead of sleeping keeps it right on a loaded machine.
 */
function typeInto(args: string, steps: Array<[string | null, string]>): string {
  return `
import os, pty, termios, time, sys, select, json
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", "${minirun} attach ${args}"])
out = b""
def pump(done, limit=60):
    global out
    end = time.time() + limit
    while time.time() < end and not done():
        if select.select([fd], [], [], 0.05)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            out += chunk
pump(lambda: not (termios.tcgetattr(fd)[3] & termios.ICANON))
for want, keys in json.loads(${JSON.stringify(JSON.stringify(steps))}):
    if want:
        pump(lambda: want.encode() in out)
    os.write(fd, keys.encode())
pump(lambda: False)
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
`
}

test.serial('-t: the container has a pty of its own, /dev/pts/0, with or without a terminal on our side', async (t) => {
  const viaScript = await host.sh(`script -qec "${minirun} run --rm -t --network none busybox tty" /dev/null`)
  t.is(viaScript.exitCode, 0, viaScript.stderr)
  t.is(viaScript.stdout.trim(), '/dev/pts/0')
  const noTerminal = await host.sh(`${minirun} run --rm -t --network none busybox tty < /dev/null`)
  t.is(noTerminal.stdout.trim(), '/dev/pts/0', noTerminal.stderr)
  // control: without -t there is no terminal
  const none = await host.sh(`${minirun} run --rm --network none busybox tty < /dev/null`)
  t.is(none.stdout.trim(), 'not a tty')
  t.deepEqual(await host.leaks(), [])
})

test.serial('-it with a pipe for stdin is refused, as Docker does', async (t) => {
  const r = await host.sh(`echo hi | ${minirun} run --rm -it --network none busybox cat`)
  t.is(r.exitCode, 1)
  t.regex(r.stderr, /^Error: the input device is not a TTY/)
  t.deepEqual(await host.leaks(), [])
})

test.serial('the window size of the calling terminal reaches the container, and so does a resize', async (t) => {
  // Python's pty: start `run -t` at 33x111, change to 44x122 once it runs; the container reports both.
  const py = `
import os, pty, fcntl, termios, struct, time, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", "${minirun} run --rm -t --network none busybox sh -c 'stty size; sleep 2; stty size'"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
out = b""
resized = False
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not resized and b"33 111" in out:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 44, 122, 0, 0))
        resized = True
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
`
  const r = await host.exec(['python3', '-c', py])
  t.regex(r.stdout, /33 111[\s\S]*44 122/, r.stdout + r.stderr)
  t.deepEqual(await host.leaks(), [])
})

test.serial('run -dit stays up; exec works; attach gets the prompt, runs a command, detaches with Ctrl-P Ctrl-Q', async (t) => {
  await host.ok('run', '-dit', '--name', 'shell', '--network', 'none', 'busybox', 'sh')
  t.is((await host.mr('exec', 'shell', 'true')).exitCode, 0)
  t.is((await host.ok('exec', '-t', 'shell', 'tty')).trim(), '/dev/pts/1', "PID 1 has /dev/pts/0; exec gets a pty of its own")
  const r = await host.exec(['python3', '-c', typeInto('shell', [[null, 'echo attached-$((6*7))\n'], ['attached-42', '\x10\x11']])])
  t.regex(r.stdout, /attached-42/, r.stdout + r.stderr)
  t.regex(r.stdout, /read escape sequence/)
  t.is(JSON.parse(await host.ok('inspect', 'shell'))[0].State.Status, 'running', 'detaching leaves the container running')
  t.regex(await host.ok('logs', 'shell'), /attached-42/)
  // --detach-keys, and attach to a stopped container is one clear line
  const custom = await host.exec(['python3', '-c', typeInto('--detach-keys x shell', [[null, 'x']])])
  t.regex(custom.stdout, /read escape sequence/, custom.stdout + custom.stderr)
  await host.ok('stop', '-t', '1', 'shell')
  const stopped = await host.mr('attach', 'shell')
  t.is(stopped.exitCode, 1)
  t.regex(stopped.stderr, /^Error: cannot attach to container shell: it is not running/)
  await host.ok('rm', 'shell')
  t.deepEqual(await host.leaks(), [])
})

test.serial('logs keep stdout and stderr apart, binary-exact, with --tail and --timestamps; foreground runs are logged too', async (t) => {
  // 1 MiB of random bytes to stdout, its sha256 to stderr
  const id = await host.ok('run', '-d', '--network', 'none', 'busybox', 'sh', '-c', 'head -c 1048576 /dev/urandom > /tmp/blob; sha256sum /tmp/blob | cut -d" " -f1 >&2; cat /tmp/blob; echo; echo last line')
  for (let i = 0; i < 100 && JSON.parse(await host.ok('inspect', id))[0].State.Status !== 'exited'; i++) await new Promise((r) => setTimeout(r, 100))
  const out = await host.exec(['sh', '-c', `${minirun} logs ${id} 2>/dev/null | head -c 1048576 | sha256sum | cut -d' ' -f1`])
  const err = await host.exec(['sh', '-c', `${minirun} logs ${id} 2>&1 >/dev/null`])
  t.is(out.stdout.trim(), err.stdout.trim(), 'what logs prints on stdout is what the container wrote there')
  t.regex(err.stdout.trim(), /^[0-9a-f]{64}$/)
  t.is(await host.ok('logs', '--tail', '1', id), 'last line')
  t.regex(await host.ok('logs', '-t', '--tail', '1', id), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z last line$/)
  await host.ok('rm', id)

  const fg = await host.mr('run', '--name', 'fg', '--network', 'none', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3')
  t.is(fg.exitCode, 3)
  t.is(fg.stdout, 'to-out\n')
  t.is(fg.stderr, 'to-err\n')
  const logs = await host.mr('logs', 'fg')
  t.deepEqual([logs.stdout, logs.stderr], ['to-out\n', 'to-err\n'])
  await host.ok('rm', 'fg')
  t.deepEqual(await host.leaks(), [])
})
