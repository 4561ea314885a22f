import test from 'ava'
import {TestHost} from '../helpers/host.js'

// Issue 14: Docker scripts run unchanged. One table: each row is a command line, what Docker
// prints for it (exact text or a pattern) and its exit code. Rows run in order against one
// set of containers made in `before`; every row is its own assertion, named by its command.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('compat')
  await host.ok('run', '-d', '--name', 'web', '-p', '18080:80', '-p', '18053:53/udp', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  await host.ok('run', '--name', 'done7', 'busybox', 'sh', '-c', 'exit 7').catch(() => {})
  await host.mr('run', '--name', 'done0', 'busybox', 'true')
  await host.ok('network', 'create', 'compat_net')
  await host.ok('run', '-d', '--name', 'onnet', '--network', 'compat_net', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'hostmode', '--network', 'host', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'nonemode', '--network', 'none', 'busybox', 'sleep', '600')
})
test.after.always(async () => {
  await host?.close()
})

type Row = [args: string[], stdout: string | RegExp, exit: number, stderr?: RegExp]
const rows: Row[] = [
  // inspect -f on the field paths the docs and examples use
  [['inspect', '-f', '{{.Name}}', 'web'], '/web\n', 0],
  [['inspect', '-f', '{{.Name}}', 'web', 'nosuch'], '/web\n', 1, /^Error: no such container: nosuch/],
  [['inspect', '--format', '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}', 'web'], 'running true 0\n', 0],
  [['inspect', '-f', '{{.State.Pid}}', 'web'], /^[1-9]\d*\n$/, 0],
  [['inspect', '-f', '{{.Id}}', 'web'], /^[0-9a-f]{64}\n$/, 0],
  [['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web'], /^172\.17\.0\.\d+\n$/, 0],
  [['inspect', '-f', '{{.NetworkSettings.Gateway}}/{{.NetworkSettings.IPPrefixLen}}', 'web'], '172.17.0.1/16\n', 0],
  [['inspect', '-f', '{{.NetworkSettings.MacAddress}}', 'web'], /^02:42:ac:11:00:\w\w\n$/, 0],
  [['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web'], /^\{"53\/udp":\[\{"HostIp":"0\.0\.0\.0","HostPort":"18053"\}\],"80\/tcp":\[\{"HostIp":"0\.0\.0\.0","HostPort":"18080"\}\]\}\n$/, 0],
  [['inspect', '-f', '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}', 'web'], '18080\n', 0],
  [['inspect', '-f', '{{range $p, $conf := .NetworkSettings.Ports}}{{$p}}->{{(index $conf 0).HostPort}} {{end}}', 'web'], '53/udp->18053 80/tcp->18080 \n', 0],
  [['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}{{end}}', 'onnet'], /^compat_net=\d+\.\d+\.\d+\.\d+\n$/, 0],
  [['inspect', '-f', '{{.NetworkSettings.Networks.bridge.NetworkID}}', 'web'], /^[0-9a-f]{64}\n$/, 0],
  [['inspect', '-f', '{{.HostConfig.NetworkMode}}', 'web'], 'bridge\n', 0],
  [['inspect', '-f', '{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Networks.host}}', 'hostmode'], /^host \{.*"IPAddress":"".*\}\n$/, 0],
  [['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}', 'nonemode'], 'none\n', 0],
  [['inspect', '-f', '{{.Config.Image}} {{json .Config.Cmd}} {{.Config.Hostname}}', 'web'], /^busybox \["httpd","-f","-p","80","-h","\/www"\] [0-9a-f]{12}\n$/, 0],
  [['inspect', '-f', '{{join .Config.Cmd " "}}|{{len .Config.Env}}|{{upper .State.Status}}', 'web'], /^httpd -f -p 80 -h \/www\|\d+\|RUNNING\n$/, 0],
  [['inspect', '-f', '{{if eq .State.ExitCode 7}}seven{{else}}other{{end}}', 'done7'], 'seven\n', 0],
  [['inspect', '-f', '{{.Config.Labels.nosuch}}', 'web'], '<no value>\n', 0],
  [['inspect', '-f', '{{.Name}}', 'web', 'onnet'], '/web\n/onnet\n', 0],
  [['inspect', '-f', '{{.Nope}}', 'web'], '', 1, /^Error: template parsing error: template: :1:2: executing "" at <\.Nope>: map has no entry for key "Nope"/],
  [['inspect', '-f', '{{.Name', 'web'], '', 1, /^Error: template parsing error: template: :1: unclosed action/],
  [['container', 'inspect', '-f', '{{.Name}}', 'web'], '/web\n', 0],
  // ps: filters, -n, -l, -q, --format
  [['ps', '--format', '{{.Names}}', '--filter', 'name=^/web$'], 'web\n', 0],
  [['ps', '-a', '-q', '-f', 'status=exited', '-f', 'name=done'], /^[0-9a-f]{12}\n[0-9a-f]{12}\n$/, 0],
  [['ps', '-f', 'status=exited', '--format', '{{.Names}}'], /^(done0\ndone7\n|done7\ndone0\n)$/, 0],
  [['ps', '-f', 'exited=7', '--format', '{{.Names}} {{.State}}'], 'done7 exited\n', 0],
  [['ps', '-f', 'network=compat_net', '--format', '{{.Names}} {{.Networks}}'], 'onnet compat_net\n', 0],
  [['ps', '-a', '-f', 'ancestor=busybox', '-q'], /^([0-9a-f]{12}\n){6}$/, 0],
  [['ps', '-f', 'label=nosuch'], /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n$/, 0],
  [['ps', '-f', 'id=0000000'], /^CONTAINER ID/, 0],
  [['ps', '-f', 'bogus=1'], '', 1, /^Error: invalid filter "bogus"/],
  [['ps', '-f', 'status=sleepy'], '', 1, /^Error: invalid filter "status=sleepy"/],
  [['ps', '-n', '1', '--format', '{{.Names}}'], 'nonemode\n', 0],
  [['ps', '-l', '--format', '{{.Names}}'], 'nonemode\n', 0],
  [['ps', '-n', '2', '-q'], /^[0-9a-f]{12}\n[0-9a-f]{12}\n$/, 0],
  [['ps', '-s', '-f', 'name=^/web$'], /SIZE\n.*\d+(\.\d+)?k?B \(virtual \d+(\.\d+)?[kM]B\)\n$/, 0],
  [['ps', '-f', 'name=^/web$', '--format', 'table {{.Names}}\\t{{.Ports}}'], /^NAMES\s{3,}PORTS\nweb\s{3,}0\.0\.0\.0:18080->80\/tcp, 0\.0\.0\.0:18053->53\/udp\n$/, 0],
  [['ps', '-f', 'name=^/web$', '--format', '{{.ID}} {{.Image}} {{.Command}} {{.State}}'], /^[0-9a-f]{12} busybox "httpd -f -p 80 -h \/…" running\n$/, 0],
  [['ps', '-f', 'name=^/web$', '--format', '{{.Status}}|{{.RunningFor}}|{{.CreatedAt}}'], /^Up .+\|.+ ago\|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\n$/, 0],
  [['ps', '-f', 'name=^/web$', '--format', 'json'], /^\{"Command":"\\"httpd.*"Names":"web".*"State":"running".*\}\n$/, 0],
  [['ps', '--format', '{{.Nope}}'], '', 1, /^Error: template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope in type \*formatter\.ContainerContext/],
  [['container', 'ls', '-f', 'name=onnet', '--format', '{{.Names}}'], 'onnet\n', 0],
  [['container', 'ps', '-q', '-f', 'name=onnet'], /^[0-9a-f]{12}\n$/, 0],
  // images, networks, pods
  [['images', '-q'], /^([0-9a-f]{12}\n)+$/, 0],
  [['image', 'ls', '-q'], /^([0-9a-f]{12}\n)+$/, 0],
  [['images', '--format', '{{.Repository}}:{{.Tag}}'], /^busybox:latest\n$/, 0],
  [['image', 'ls', '--format', 'json'], /^\{"Repository":"busybox","Tag":"latest".*\}\n$/, 0],
  [['network', 'ls', '--format', '{{.Name}} {{.Driver}}'], /^bridge bridge\ncompat_net bridge\nhost host\nnone null\n$/, 0],
  [['network', 'ls', '--format', 'table {{.Name}}\\t{{.Scope}}'], /^NAME\s+SCOPE\nbridge\s+local\n/, 0],
  [['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{(index .IPAM.Config 0).Subnet}}', 'bridge'], 'bridge bridge 172.17.0.0/16\n', 0],
  [['network', 'inspect', '--format', '{{range .Containers}}{{.Name}}{{end}}', 'compat_net'], 'onnet\n', 0],
  [['pod', 'ls', '--format', '{{.Name}}'], '', 0],
  // port
  [['port', 'web', '80'], '0.0.0.0:18080\n', 0],
  [['port', 'web', '80/tcp'], '0.0.0.0:18080\n', 0],
  [['port', 'web', '53/udp'], '0.0.0.0:18053\n', 0],
  [['port', 'web', '81'], '', 1, /^Error: no public port '81\/tcp' published for web/],
  [['container', 'port', 'web'], '80/tcp -> 0.0.0.0:18080\n53/udp -> 0.0.0.0:18053\n', 0],
  // rm -f of what does not exist is not a failure (Docker's CLI); without -f it is
  [['rm', '-f', 'nosuch'], '', 0, /^Error: no such container: nosuch\n$/],
  [['rm', 'nosuch'], '', 1, /^Error: no such container: nosuch/],
  [['rm', '-fv', 'nosuch'], '', 0, /no such container/],
  [['container', 'rm', '-f', 'nosuch'], '', 0, /no such container/],
  [['pod', 'rm', '-f', 'nosuch'], '', 0, /^Error: no such pod: nosuch\n$/],
  [['pod', 'rm', 'nosuch'], '', 1, /^Error: no such pod: nosuch/],
  [['rmi', 'nosuch:1'], '', 1, /^Error: image "nosuch:1" not found/],
  // run
  [['run', '--rm', '--network', 'none', '-p', '80:80', 'busybox', 'true'], '', 0, /^WARNING: Published ports are discarded when using none network mode\n$/],
  [['run', '--rm', '--memory=0', 'busybox', 'echo', 'unlimited'], 'unlimited\n', 0],
  // top, stats, version, info
  [['top', 'web'], /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n.*httpd -f -p 80 -h \/www\n$/, 0],
  [['top', 'done7'], '', 1, /^Error: container done7 is not running/],
  [['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'web'], 'web 1\n', 0],
  [['stats', '--no-stream', 'web'], /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n[0-9a-f]{12}\s+web\s+\d+\.\d\d%\s+\S+ \/ \S+\s+\d+\.\d\d%/, 0],
  [['version', '--format', '{{.Client.Version}}'], /^\d+\.\d+\.\d+\n$/, 0],
  [['info', '--format', '{{.ContainersRunning}}'], '4\n', 0],
  [['info'], /Containers: 6\n Running: 4\n/, 0],
  // parse errors and typos: one line, what to do
  [['run', '--rm'], '', 2, /^Error: "minirun run" requires the argument IMAGE; see 'minirun run --help'\n$/],
  [['ps', '--nosuch'], '', 2, /^Error: unknown flag: --nosuch; see 'minirun ps --help'\n$/],
  [['pss'], '', 1, /^Error: 'pss' is not a minirun command; did you mean 'ps'\? See 'minirun --help'\n$/],
  [['netwrk', 'ls'], '', 1, /did you mean 'network ls'\?/],
  // prune asks; no answer is no, and nothing is removed
  [['system', 'prune'], /WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n\nAre you sure you want to continue\? \[y\/N\] /, 1, /^Error: system prune has been cancelled/],
  [['ps', '-aq', '-f', 'status=exited'], /^[0-9a-f]{12}\n[0-9a-f]{12}\n$/, 0],
  [['network', 'prune'], /Are you sure/, 1, /network prune has been cancelled/],
]

for (const [args, stdout, exit, stderr] of rows) {
  test.serial(`minirun ${args.join(' ')}`, async (t) => {
    // stdin is empty and closed: a prune question gets no answer
    const r = await host.exec([process.execPath, (await import('../helpers/host.js')).BIN, ...args], {input: ''})
    t.is(r.exitCode, exit, r.stderr)
    if (typeof stdout === 'string') t.is(r.stdout, stdout)
    else t.regex(r.stdout, stdout)
    if (stderr) t.regex(r.stderr, stderr)
    else if (exit === 0) t.is(r.stderr, '')
  })
}

test.serial('a published port survives network disconnect then connect (Docker restores it)', async (t) => {
  const get = () => host.sh('curl -s --max-time 5 http://127.0.0.1:18080/ >/dev/null && echo ok || echo down')
  t.is((await get()).stdout.trim(), 'ok')
  await host.ok('network', 'disconnect', 'bridge', 'web')
  t.is((await get()).stdout.trim(), 'down', 'no network, no port')
  await host.ok('network', 'connect', 'bridge', 'web')
  t.is((await get()).stdout.trim(), 'ok', 'back with the network')
  t.is(await host.ok('port', 'web', '80'), '0.0.0.0:18080')
  // a second network coming and going leaves the port alone
  await host.ok('network', 'connect', 'compat_net', 'web')
  await host.ok('network', 'disconnect', 'compat_net', 'web')
  t.is((await get()).stdout.trim(), 'ok', 'leaving a second network kept the port')
})

test.serial('prune: "y" from a pipe removes; -f removes stopped containers and unused networks; -a unused images', async (t) => {
  const yes = await host.exec([process.execPath, (await import('../helpers/host.js')).BIN, 'container', 'prune'], {input: 'y\n'})
  t.is(yes.exitCode, 0, yes.stderr)
  t.regex(yes.stdout, /Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n/)
  t.is(await host.ok('ps', '-aq', '-f', 'status=exited'), '')
  await host.ok('rm', '-f', 'onnet')
  await host.ok('network', 'create', 'spare_net')
  const r = await host.ok('system', 'prune', '-f')
  t.regex(r, /Deleted Networks:\ncompat_net\nspare_net/)
  t.is(await host.ok('network', 'ls', '--format', '{{.Name}}'), 'bridge\nhost\nnone')
  await host.ok('rm', '-f', 'web', 'hostmode', 'nonemode')
  const all = await host.ok('system', 'prune', '-af')
  t.regex(all, /Deleted Images:\nuntagged: busybox:latest\ndeleted: sha256:[0-9a-f]{64}/)
  t.is(await host.ok('images', '-q'), '')
  t.deepEqual(await host.leaks(), [])
})
