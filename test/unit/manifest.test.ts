import test from 'ava'
import {planPod} from '../../src/pods/manifest.js'

const good = `
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations: {a: b}
spec:
  restartPolicy: Always
  volumes:
  - name: shared
    emptyDir: {}
  - name: site
    hostPath: {path: /srv/site}
  containers:
  - name: server
    image: busybox
    command: [httpd]
    args: [-f, -p, "80", -h, /www]
    ports: [{containerPort: 80, hostPort: 18081}]
    volumeMounts: [{name: site, mountPath: /www, readOnly: true}]
    resources: {limits: {cpu: "1"}}
  - name: sidecar
    image: busybox
    args: [sleep, "600"]
    env: [{name: MODE, value: demo}]
    volumeMounts: [{name: shared, mountPath: /shared}]
`

test('a two-container Pod becomes a plan; unsupported fields are warnings naming the field', (t) => {
  const p = planPod(good)
  t.is(p.name, 'web')
  t.deepEqual(p.publish, ['18081:80/tcp'])
  t.deepEqual(p.containers[0].entrypoint, ['httpd'])
  t.deepEqual(p.containers[0].command, ['-f', '-p', '80', '-h', '/www'])
  t.deepEqual(p.containers[0].volumes, [{volume: 'site', mountPath: '/www', readOnly: true}])
  t.is(p.containers[1].entrypoint, undefined)
  t.deepEqual(p.containers[1].env, ['MODE=demo'])
  t.deepEqual(p.volumes, [
    {name: 'shared', hostPath: undefined, emptyDir: true},
    {name: 'site', hostPath: '/srv/site', emptyDir: false},
  ])
  t.true(p.warnings.some((w) => w.includes('spec.containers[0].resources')))
  t.true(p.warnings.some((w) => w.includes('spec.restartPolicy')))
  t.false(p.warnings.some((w) => w.includes('annotations')))
})

const bad: Array<[string, string, RegExp]> = [
  ['missing image', good.replace('    image: busybox\n    command', '    command'), /spec\.containers\[0\]\.image: Required/],
  ['wrong kind', good.replace('kind: Pod', 'kind: Deployment'), /^invalid Pod manifest: kind:/],
  ['unknown volume', good.replace('name: shared, mountPath', 'name: nope, mountPath'), /spec\.containers\[1\]\.volumeMounts\[0\]\.name: no volume named "nope"/],
  ['duplicate container', good.replace('name: sidecar', 'name: server'), /spec\.containers\[1\]\.name: duplicate container name "server"/],
  ['bad port', good.replace('hostPort: 18081', 'hostPort: 99999'), /spec\.containers\[0\]\.ports\[0\]\.hostPort/],
  ['not yaml', 'a: [b', /not valid YAML/],
  ['no containers', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n', /spec\.containers/],
  ['bad name', good.replace('name: web', 'name: Web_1'), /metadata\.name: must be a lowercase DNS label/],
]
for (const [title, text, msg] of bad) {
  test(`invalid manifest: ${title}`, (t) => {
    t.throws(() => planPod(text), {message: msg})
  })
}
