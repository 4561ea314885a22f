import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, TestHost} from '../helpers/host.js'

// Issue 4: container:<id> mode, pods with a pause container, Pod manifests, unix sockets in volumes.

let host: TestHost
test.before(async () => {
  host = await TestHost.create('pods')
})
test.afterEach.always(async (t) => {
  if (!t.passed) await host.clear()
})
test.after.always(async () => {
  await host?.close()
})

test.serial("container:web joins web's network namespace: same addresses, web's server on 127.0.0.1", async (t) => {
  const webId = await host.ok('run', '-d', '--name', 'web', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  t.regex(await host.ok('run', '--rm', '--network', 'container:web', 'busybox', 'wget', '-qO-', 'http://127.0.0.1/'), /minirun/i)
  const joined = await host.ok('run', '--rm', '--network', 'container:web', 'busybox', 'ip', '-o', 'addr')
  const own = await host.ok('exec', 'web', 'ip', '-o', 'addr')
  t.is(joined.replace(/\s+/g, ' '), own.replace(/\s+/g, ' '))
  await host.ok('run', '-d', '--name', 'side', '--network', 'container:web', 'busybox', 'sleep', '600')
  const [side] = JSON.parse(await host.ok('inspect', 'side'))
  t.is(side.HostConfig.NetworkMode, `container:${webId}`)
  await host.ok('rm', '-f', 'web') // -f removes the containers sharing its namespace too
  t.notRegex(await host.ok('ps', '-a'), /side|web/)
  t.deepEqual(await host.leaks(), [])
})

test.serial('removing a container others share is refused without -f', async (t) => {
  await host.ok('run', '-d', '--name', 'owner', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--name', 'guest', '--network', 'container:owner', 'busybox', 'sleep', '600')
  await host.ok('stop', '-t', '0', 'owner')
  const r = await host.mr('rm', 'owner')
  t.not(r.exitCode, 0)
  t.regex(r.stderr, /^Error: container owner is sharing its network namespace with guest/)
  await host.ok('rm', '-f', 'owner')
  t.deepEqual(await host.leaks(), [])
})

test.serial('a pod: members share one IP and 127.0.0.1; READY 2/2; the IP survives a member being replaced', async (t) => {
  await host.ok('pod', 'create', '--name', 'p1')
  await host.ok('run', '-d', '--pod', 'p1', '--name', 'p1-a', 'busybox', 'httpd', '-f', '-p', '8080', '-h', '/www')
  await host.ok('run', '-d', '--pod', 'p1', '--name', 'p1-b', 'busybox', 'sleep', '600')
  t.regex(await host.ok('exec', 'p1-b', 'wget', '-qO-', 'http://127.0.0.1:8080/'), /minirun/i)
  const ls = await host.ok('pod', 'ls')
  const row = ls.split('\n').find((l) => l.startsWith('p1 '))!
  t.regex(row, /Running\s+2\/2\s+172\.17\.0\.\d+/)
  const podIp = /(172\.17\.0\.\d+)/.exec(row)![1]
  t.regex(await host.ok('exec', 'p1-a', 'ip', '-o', 'addr', 'show', 'eth0'), new RegExp(podIp.replace(/\./g, '\\.')))
  t.regex(await host.ok('exec', 'p1-b', 'ip', '-o', 'addr', 'show', 'eth0'), new RegExp(podIp.replace(/\./g, '\\.')))
  const pod = JSON.parse(await host.ok('pod', 'inspect', 'p1'))
  const [member] = JSON.parse(await host.ok('inspect', 'p1-a'))
  t.is(member.HostConfig.NetworkMode, `container:${pod.InfraContainerID}`)
  t.is(await host.ok('exec', 'p1-b', 'hostname'), 'p1', 'members share the pod UTS namespace')
  await host.ok('rm', '-f', 'p1-a')
  await host.ok('run', '-d', '--pod', 'p1', '--name', 'p1-c', 'busybox', 'sleep', '600')
  t.regex(await host.ok('exec', 'p1-c', 'ip', '-o', 'addr', 'show', 'eth0'), new RegExp(podIp.replace(/\./g, '\\.')))
  t.regex((await host.ok('pod', 'ls')).split('\n').find((l) => l.startsWith('p1 '))!, /2\/2/)
  await host.ok('pod', 'rm', '-f', 'p1')
  t.is(await host.ok('ps', '-aq'), '')
  t.deepEqual(await host.leaks(), [])
})

test.serial('pod play: a two-container manifest with a hostPort answers on 127.0.0.1; pod rm -f leaves nothing', async (t) => {
  const site = fs.mkdtempSync(path.join(host.dir, 'site-'))
  fs.writeFileSync(path.join(site, 'index.html'), 'hello from a Kubernetes manifest\n')
  const manifest = path.join(host.dir, 'pod.yaml')
  fs.writeFileSync(
    manifest,
    `apiVersion: v1
kind: Pod
metadata:
  name: kube
spec:
  volumes:
  - name: site
    hostPath: {path: ${site}}
  - name: scratch
    emptyDir: {}
  containers:
  - name: server
    image: busybox
    command: [httpd]
    args: [-f, -p, "80", -h, /site]
    ports: [{containerPort: 80, hostPort: 18095}]
    volumeMounts: [{name: site, mountPath: /site, readOnly: true}]
  - name: writer
    image: busybox
    command: [sh, -c]
    args: ["echo $GREETING > /scratch/out; sleep 600"]
    env: [{name: GREETING, value: hi}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
    resources: {limits: {memory: 64Mi}}
`,
  )
  const r = await host.mr('pod', 'play', manifest)
  t.is(r.exitCode, 0, r.stderr)
  t.regex(r.stderr, /WARNING: field spec\.containers\[1\]\.resources is not supported/)
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18095/')).stdout, /hello from a Kubernetes manifest/)
  t.regex(await host.ok('exec', 'kube-server', 'wget', '-qO-', 'http://127.0.0.1/'), /Kubernetes/)
  for (let i = 0; i < 50 && (await host.mr('exec', 'kube-writer', 'cat', '/scratch/out')).exitCode !== 0; i++) await new Promise((res) => setTimeout(res, 50))
  t.is(await host.ok('exec', 'kube-writer', 'cat', '/scratch/out'), 'hi')
  await host.ok('pod', 'rm', '-f', 'kube')
  t.is(await host.ok('ps', '-aq'), '')
  t.notRegex((await host.sh('nft list ruleset')).stdout, /18095/)
  t.deepEqual(await host.leaks(), [])
})

test.serial('two containers talk over a unix socket in a shared volume', async (t) => {
  t.teardown(() => host.mr('rm', '-f', 'usrv'))
  const dir = fs.mkdtempSync(path.join(host.dir, 'sock-'))
  await host.ok('run', '-d', '--name', 'usrv', '--network', 'none', '-v', `${dir}:/var/run/foo`, 'busybox', 'usock', 'serve', '/var/run/foo/app.sock')
  for (let i = 0; i < 50 && !fs.existsSync(path.join(dir, 'app.sock')); i++) await new Promise((r) => setTimeout(r, 50))
  t.true(fs.statSync(path.join(dir, 'app.sock')).isSocket(), 'the socket file is visible on the host')
  const reply = await host.ok('run', '--rm', '--network', 'none', '-v', `${dir}:/var/run/foo`, 'busybox', 'usock', 'send', '/var/run/foo/app.sock', 'hello')
  t.regex(reply, /^pong from [0-9a-f]{12}: hello$/)
  await host.ok('rm', '-f', 'usrv')
  t.deepEqual(await host.leaks(), [])
})

const bad: Array<[string, string[], RegExp]> = [
  ['container:nosuch', ['run', '--rm', '--network', 'container:nosuch', 'busybox', 'true'], /no such container/],
  ['--pod nosuch', ['run', '--rm', '--pod', 'nosuch', 'busybox', 'true'], /no such pod: nosuch/],
]
for (const [title, args, msg] of bad) {
  test.serial(`bad input: ${title}`, async (t) => {
    const r = await host.mr(...args)
    t.not(r.exitCode, 0)
    t.regex(r.stderr, /^Error: /)
    t.regex(r.stderr, msg)
    t.deepEqual(await host.leaks(), [])
  })
}

test.serial('bad manifests: missing image, duplicate container name, unknown volume — nothing left behind', async (t) => {
  const base = (containers: string, volumes = '') => `apiVersion: v1\nkind: Pod\nmetadata: {name: badpod}\nspec:\n${volumes}  containers:\n${containers}`
  const cases: Array<[string, RegExp]> = [
    [base('  - name: a\n'), /spec\.containers\[0\]\.image: Required/],
    [base('  - {name: a, image: busybox}\n  - {name: a, image: busybox}\n'), /duplicate container name "a"/],
    [base('  - name: a\n    image: busybox\n    volumeMounts: [{name: nope, mountPath: /x}]\n'), /no volume named "nope"/],
    [base('  - {name: a, image: nosuchimage}\n'), /image "nosuchimage:latest" not found/],
  ]
  for (const [text, msg] of cases) {
    const f = path.join(host.dir, 'bad.yaml')
    fs.writeFileSync(f, text)
    const r = await host.mr('pod', 'play', f)
    t.not(r.exitCode, 0)
    t.regex(r.stderr, msg)
    t.is(await host.ok('pod', 'ls', '--format', 'json'), '')
  }
  t.deepEqual(await host.leaks(), [])
})

// Issue 16: pods at podman's level.

test.serial('run --pod takes a pod id or a unique id prefix; pod create takes the name as an argument', async (t) => {
  const id = await host.ok('pod', 'create', 'byarg')
  t.regex(id, /^[0-9a-f]{64}$/)
  t.is(JSON.parse(await host.ok('pod', 'inspect', 'byarg')).Id, id)
  await host.ok('run', '-d', '--pod', id, '--name', 'byid', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--pod', id.slice(0, 8), '--name', 'byprefix', 'busybox', 'sleep', '600')
  const [m] = JSON.parse(await host.ok('inspect', 'byprefix'))
  t.is(m.Config.Labels['io.minirun.pod'], 'byarg', 'the record keeps the pod name, whatever named it')
  t.regex((await host.ok('pod', 'ls')).split('\n').find((l) => l.startsWith('byarg '))!, /2\/2/)
  const twice = await host.mr('pod', 'create', 'x1', '--name', 'x2')
  t.regex(twice.stderr, /^Error: two names given/)
  await host.ok('pod', 'rm', '-f', 'byarg')
  t.is(await host.ok('ps', '-aq'), '')
  t.deepEqual(await host.leaks(), [])
})

test.serial("members share the pod's /dev/shm: written in one, read in the other", async (t) => {
  await host.ok('pod', 'create', 'shm')
  await host.ok('run', '-d', '--pod', 'shm', '--name', 'shm-a', 'busybox', 'sleep', '600')
  await host.ok('run', '-d', '--pod', 'shm', '--name', 'shm-b', 'busybox', 'sleep', '600')
  await host.ok('exec', 'shm-a', 'sh', '-c', 'echo shared-segment > /dev/shm/seg')
  t.is(await host.ok('exec', 'shm-b', 'cat', '/dev/shm/seg'), 'shared-segment')
  // one mount: the same device for both, and a member started later sees it too
  await host.ok('run', '-d', '--pod', 'shm', '--name', 'shm-c', 'busybox', 'sleep', '600')
  t.is(await host.ok('exec', 'shm-c', 'cat', '/dev/shm/seg'), 'shared-segment')
  t.is(await host.ok('exec', 'shm-a', 'stat', '-c', '%d', '/dev/shm'), await host.ok('exec', 'shm-c', 'stat', '-c', '%d', '/dev/shm'))
  // a container outside the pod has a /dev/shm of its own
  t.not((await host.mr('run', '--rm', 'busybox', 'cat', '/dev/shm/seg')).exitCode, 0)
  await host.ok('pod', 'rm', '-f', 'shm')
  t.deepEqual(await host.leaks(), [])
})

test.serial('rm -f of the infra container is refused, naming the pod; pod rm -f removes it', async (t) => {
  await host.ok('pod', 'create', 'keep')
  const infra = JSON.parse(await host.ok('pod', 'inspect', 'keep')).InfraContainerID as string
  for (const args of [['rm', '-f', infra.slice(0, 12)], ['rm', '-f', 'keep-infra'], ['rm', 'keep-infra']]) {
    const r = await host.mr(...args)
    t.not(r.exitCode, 0)
    t.regex(r.stderr, /^Error: container keep-infra is the infra container of pod keep and cannot be removed without removing the pod \(minirun pod rm -f keep\)\n$/)
  }
  t.regex((await host.ok('pod', 'ls')).split('\n').find((l) => l.startsWith('keep '))!, /Running/)
  await host.ok('pod', 'rm', '-f', 'keep')
  t.is(await host.ok('ps', '-aq'), '')
  t.deepEqual(await host.leaks(), [])
})

test.serial("a member's /etc/hostname and $HOSTNAME hold the pod's hostname, as `hostname` prints", async (t) => {
  await host.ok('pod', 'create', 'named')
  t.is(await host.ok('run', '--rm', '--pod', 'named', 'busybox', 'hostname'), 'named')
  t.is(await host.ok('run', '--rm', '--pod', 'named', 'busybox', 'cat', '/etc/hostname'), 'named')
  t.is(await host.ok('run', '--rm', '--pod', 'named', 'busybox', 'sh', '-c', 'echo $HOSTNAME'), 'named')
  const r = await host.mr('run', '--rm', '--pod', 'named', '--hostname', 'other', 'busybox', 'true')
  t.regex(r.stderr, /^Error: --hostname cannot be set on a member of pod named/)
  await host.ok('pod', 'rm', '-f', 'named')
  t.deepEqual(await host.leaks(), [])
})

test.serial('pod play: several Pods from standard input, hostPort-only ports, :Z mounts, --replace, --down', async (t) => {
  const manifest = `apiVersion: v1
kind: Pod
metadata: {name: multi-a}
spec:
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: web
    image: busybox
    command: [httpd, -f, -p, "18096", -h, /www]
    ports: [{hostPort: 18096}]
    volumeMounts: [{name: data, mountPath: "/data:Z"}]
---
apiVersion: v1
kind: Pod
metadata: {name: multi-b}
spec:
  restartPolicy: Never
  containers:
  - name: idle
    image: busybox
    args: [sleep, "600"]
    ports: [{containerPort: 9000}]
`
  const file = path.join(host.dir, 'multi.yaml')
  fs.writeFileSync(file, manifest)
  const r = await host.exec([process.execPath, BIN, 'pod', 'play', '-'], {input: manifest})
  t.is(r.exitCode, 0, r.stderr)
  t.is(r.stdout.match(/^Pod:$/gm)?.length, 2)
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18096/')).stdout, /minirun/i)
  t.is(await host.ok('exec', 'multi-a-web', 'sh', '-c', 'touch /data/x && echo ok'), 'ok')
  const again = await host.mr('pod', 'play', file)
  t.regex(again.stderr, /^Error: pod multi-a already exists; remove it first \(minirun pod rm -f multi-a\) or use pod play --replace\n$/)
  const before = JSON.parse(await host.ok('pod', 'inspect', 'multi-b')).Id
  await host.ok('pod', 'play', '--replace', file)
  t.not(JSON.parse(await host.ok('pod', 'inspect', 'multi-b')).Id, before, '--replace made the pod anew')
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18096/')).stdout, /minirun/i)
  const down = await host.ok('pod', 'play', '--down', file)
  t.regex(down, /^Pods removed:/)
  t.is(await host.ok('pod', 'ls', '--format', 'json'), '', 'no pods: no JSON lines')
  t.is(await host.ok('ps', '-aq'), '')
  t.deepEqual(await host.leaks(), [])
})

test.serial('pod play: a ConfigMap reference is one line naming the field, and nothing is made', async (t) => {
  const manifest = `apiVersion: v1
kind: Pod
metadata: {name: first}
spec:
  containers: [{name: a, image: busybox, args: [sleep, "600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: cm}
spec:
  containers:
  - name: a
    image: busybox
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: settings, key: mode}}
`
  const r = await host.exec([process.execPath, BIN, 'pod', 'play', '-'], {input: manifest})
  t.not(r.exitCode, 0)
  t.regex(r.stderr, /^Error: invalid Pod manifest \(document 2\): spec\.containers\[0\]\.env\[0\]\.valueFrom\.configMapKeyRef: ConfigMaps are not supported by minirun; [^\n]+\n$/)
  t.is(await host.ok('pod', 'ls', '--format', 'json'), '', 'no pods: no JSON lines')
  t.deepEqual(await host.leaks(), [])
})

test.serial('round trip: pod create + members, pod generate kube, pod rm -f, pod play: same containers, commands, ports; a valid v1 Pod', async (t) => {
  const site = fs.mkdtempSync(path.join(host.dir, 'rt-'))
  fs.writeFileSync(path.join(site, 'index.html'), 'round trip\n')
  await host.ok('pod', 'create', 'rt', '-p', '18097:80', '-p', '127.0.0.1:18098:8080')
  await host.ok('run', '-d', '--pod', 'rt', '--name', 'rt-web', '--restart', 'always', '-v', `${site}:/site:ro`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/site')
  await host.ok('run', '-d', '--pod', 'rt', '--name', 'rt-api', '-e', 'GREETING=hello there', '--restart', 'always', 'busybox', 'sh', '-c', 'echo "$GREETING" > /tmp/index.html; exec httpd -f -p 8080 -h /tmp')
  const shape = async () => {
    const pod = JSON.parse(await host.ok('pod', 'inspect', 'rt'))
    const members = []
    for (const c of pod.Containers.filter((c: {Id: string}) => c.Id !== pod.InfraContainerID)) {
      const [m] = JSON.parse(await host.ok('inspect', c.Id))
      members.push({name: m.Name, image: m.Config.Image, cmd: m.Config.Cmd, entrypoint: m.Config.Entrypoint, env: m.Config.Env, mounts: m.HostConfig.Binds, restart: m.HostConfig.RestartPolicy})
    }
    return {ports: pod.InfraConfig.PortBindings, members: members.sort((a, b) => a.name.localeCompare(b.name))}
  }
  const before = await shape()
  const yaml = await host.ok('pod', 'generate', 'kube', 'rt')
  const {parse} = await import('yaml')
  const manifest = parse(yaml)
  // The published Kubernetes v1 Pod schema (kubernetes-models ships it, generated from the API's OpenAPI)
  const {Pod} = await import('kubernetes-models/v1/Pod')
  t.notThrows(() => new Pod(manifest).validate())
  t.is(manifest.spec.restartPolicy, 'Always')
  t.deepEqual(manifest.spec.containers.map((c: {name: string}) => c.name).sort(), ['api', 'web'])
  await host.ok('pod', 'rm', '-f', 'rt')
  t.is(await host.ok('ps', '-aq'), '')
  const file = path.join(host.dir, 'rt.yaml')
  fs.writeFileSync(file, yaml)
  await host.ok('pod', 'play', file)
  t.deepEqual(await shape(), before)
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18097/')).stdout, /round trip/)
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18098/')).stdout, /hello there/)
  // and what it generates now is what it generated then
  t.is(await host.ok('pod', 'generate', 'kube', 'rt'), yaml)
  await host.ok('pod', 'rm', '-f', 'rt')
  t.deepEqual(await host.leaks(), [])
})

test.serial('pod inspect (InfraConfig, SharedNamespaces, Containers, CreateCommand), pod ps, start/stop/restart/kill/logs/top/stats', async (t) => {
  await host.ok('pod', 'create', '--name', 'ops', '-p', '18099:80')
  await host.ok('run', '-d', '--pod', 'ops', '--name', 'ops-a', 'busybox', 'sh', '-c', 'echo from-a; exec httpd -f -p 80 -h /www')
  await host.ok('run', '-d', '--pod', 'ops', '--name', 'ops-b', '--memory', '64m', 'busybox', 'sh', '-c', 'echo from-b >&2; exec sleep 600')
  const pod = JSON.parse(await host.ok('pod', 'inspect', 'ops'))
  t.deepEqual(pod.CreateCommand, ['minirun', 'pod', 'create', '--name', 'ops', '-p', '18099:80'])
  t.deepEqual(pod.SharedNamespaces, ['ipc', 'net', 'uts'])
  t.deepEqual(pod.InfraConfig.PortBindings, {'80/tcp': [{HostIp: '0.0.0.0', HostPort: '18099'}]})
  t.is(pod.InfraConfig.InfraContainerID, pod.InfraContainerID)
  t.deepEqual(pod.Containers.map((c: {Name: string; State: string}) => `${c.Name}:${c.State}`), ['ops-infra:running', 'ops-a:running', 'ops-b:running'])
  t.regex((await host.ok('pod', 'ps')).split('\n').find((l) => l.startsWith('ops '))!, /Running\s+2\/2/)
  const logs = await host.mr('pod', 'logs', 'ops')
  t.regex(logs.stdout, /^ops-a from-a$/m)
  t.regex(logs.stderr, /^ops-b from-b$/m)
  const top = await host.ok('pod', 'top', 'ops')
  t.regex(top, /^ops-a\s+\d+\s+httpd -f -p 80 -h \/www$/m)
  t.regex(top, /^ops-b\s+\d+\s+sleep 600$/m)
  const stats = JSON.parse(await host.ok('pod', 'stats', 'ops', '--format', 'json'))
  t.is(stats.length, 2)
  t.true(stats.every((s: {PIDs: number}) => s.PIDs === 1))
  t.true(stats.find((s: {Name: string}) => s.Name === 'ops-b').MemUsage > 0, 'a member with a cgroup has counters')

  await host.ok('pod', 'stop', '-t', '1', 'ops')
  t.deepEqual(JSON.parse(await host.ok('pod', 'inspect', 'ops')).Containers.map((c: {State: string}) => c.State), ['exited', 'exited', 'exited'])
  await host.ok('pod', 'start', 'ops')
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18099/')).stdout, /minirun/i)
  t.regex(await host.ok('exec', 'ops-b', 'wget', '-qO-', 'http://127.0.0.1/'), /minirun/i)
  await host.ok('pod', 'restart', '-t', '1', 'ops')
  t.is(await host.ok('exec', 'ops-b', 'hostname'), 'ops')
  t.regex((await host.sh('curl -s --max-time 5 --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:18099/')).stdout, /minirun/i)
  await host.ok('pod', 'kill', 'ops')
  for (let i = 0; i < 100 && JSON.parse(await host.ok('pod', 'inspect', 'ops')).State !== 'Exited'; i++) await new Promise((r) => setTimeout(r, 100))
  t.is(JSON.parse(await host.ok('pod', 'inspect', 'ops')).State, 'Exited')
  await host.ok('pod', 'rm', '-f', 'ops')
  t.is(await host.ok('ps', '-aq'), '')
  t.deepEqual(await host.leaks(), [])
})
