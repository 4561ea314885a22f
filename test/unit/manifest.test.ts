import test from 'ava'
import {planPod, planPods} from '../../src/pods/manifest.js'

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
  t.deepEqual(p.publish, [{hostIp: '0.0.0.0', hostPort: 18081, containerPort: 80, protocol: 'tcp'}])
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
  t.is(p.containers[0].restart, 'always', 'restartPolicy becomes the --restart policy')
  t.false(p.warnings.some((w) => w.includes('spec.restartPolicy')))
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

const one = (containers: string, extra = '') => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n${extra}  containers:\n${containers}`

test('ports: only hostPort publishes the same container port; only containerPort publishes nothing', (t) => {
  t.deepEqual(planPod(one('  - {name: a, image: busybox, ports: [{hostPort: 18090}]}\n')).publish, [{hostIp: '0.0.0.0', hostPort: 18090, containerPort: 18090, protocol: 'tcp'}])
  t.deepEqual(planPod(one('  - {name: a, image: busybox, ports: [{containerPort: 80}]}\n')).publish, [])
  t.throws(() => planPod(one('  - {name: a, image: busybox, ports: [{protocol: TCP}]}\n')), {message: /spec\.containers\[0\]\.ports\[0\]: needs containerPort or hostPort/})
})

test('mountPath with :z or :Z (SELinux relabel) is accepted and the suffix dropped', (t) => {
  const p = planPod(one('  - {name: a, image: busybox, volumeMounts: [{name: v, mountPath: "/data:Z"}, {name: w, mountPath: "/w:z"}]}\n', '  volumes: [{name: v, emptyDir: {}}, {name: w, emptyDir: {}}]\n'))
  t.deepEqual(p.containers[0].volumes.map((v) => v.mountPath), ['/data', '/w'])
})

test('several Pods in one multi-document manifest; the document is named in errors', (t) => {
  const two = `${one('  - {name: a, image: busybox}\n')}\n---\n${one('  - {name: b, image: busybox}\n').replace('name: p}', 'name: q}')}`
  t.deepEqual(planPods(two).map((p) => p.name), ['p', 'q'])
  t.throws(() => planPods(`${two}\n---\n${one('  - {name: c}\n')}`), {message: /^invalid Pod manifest \(document 3\): spec\.containers\[0\]\.image: Required/})
  t.throws(() => planPods(`${one('  - {name: a, image: busybox}\n')}\n---\n${one('  - {name: a, image: busybox}\n')}`), {message: /two Pods are named "p"/})
  t.throws(() => planPods(`${one('  - {name: a, image: busybox}\n')}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n`), {message: /document 2\): kind: "Service" is not supported/})
})

test('ConfigMap and Secret references are refused naming the field', (t) => {
  t.throws(() => planPod(one('  - name: a\n    image: busybox\n    env: [{name: X, valueFrom: {configMapKeyRef: {name: cm, key: k}}}]\n')), {
    message: /^invalid Pod manifest: spec\.containers\[0\]\.env\[0\]\.valueFrom\.configMapKeyRef: ConfigMaps are not supported by minirun; put the values in the Pod itself/,
  })
  t.throws(() => planPod(one('  - {name: a, image: busybox, envFrom: [{configMapRef: {name: cm}}]}\n')), {message: /spec\.containers\[0\]\.envFrom\[0\]\.configMapRef: ConfigMaps/})
  t.throws(() => planPod(one('  - {name: a, image: busybox}\n', '  volumes: [{name: v, configMap: {name: cm}}]\n')), {message: /spec\.volumes\[0\]\.configMap: ConfigMaps/})
  t.throws(() => planPod(one('  - {name: a, image: busybox}\n', '  volumes: [{name: v, secret: {secretName: s}}]\n')), {message: /spec\.volumes\[0\]\.secret: Secrets/})
})
