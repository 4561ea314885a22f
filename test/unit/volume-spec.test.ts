import test from 'ava'
import {UserError} from '../../src/errors.js'
import {parseMountFlag, parseVolumeFlag} from '../../src/volumes/spec.js'

// -v and --mount as Docker reads them: a source with a slash is a path, without one a volume name.
const ok: Array<[string, ReturnType<typeof parseVolumeFlag>]> = [
  ['/srv/www:/www', {type: 'bind', source: '/srv/www', target: '/www', readOnly: false}],
  ['/srv/www/:/var//www/:ro', {type: 'bind', source: '/srv/www', target: '/var/www', readOnly: true}],
  ['data:/data', {type: 'volume', name: 'data', target: '/data', readOnly: false}],
  ['my_vol.1:/data:ro', {type: 'volume', name: 'my_vol.1', target: '/data', readOnly: true}],
  ['/data', {type: 'volume', target: '/data', readOnly: false}],
]
for (const [spec, want] of ok) test(`-v ${spec}`, (t) => t.deepEqual(parseVolumeFlag(spec), want))

for (const spec of ['', './x:/a', 'x/y:/a', 'a:/b:c:d', 'data:relative', 'data:/x:bogus', ':/x', 'data', 'x:/', 'v:/../etc', 'v:/proc/sys', 'a*b:/x', 'v\n:/x', `${'v'.repeat(65)}:/x`]) {
  test(`-v ${JSON.stringify(spec)} is refused in one line`, (t) => {
    const err = t.throws(() => parseVolumeFlag(spec), {instanceOf: UserError})
    t.false(err?.message.includes('\n'))
  })
}

const mounts: Array<[string, ReturnType<typeof parseMountFlag>]> = [
  ['type=volume,src=v1,dst=/data', {type: 'volume', name: 'v1', target: '/data', readOnly: false}],
  ['type=volume,source=v1,target=/data,readonly', {type: 'volume', name: 'v1', target: '/data', readOnly: true}],
  ['type=volume,destination=/data', {type: 'volume', name: undefined, target: '/data', readOnly: false}],
  ['type=bind,src=/srv,dst=/srv,ro=true', {type: 'bind', source: '/srv', target: '/srv', readOnly: true}],
  ['type=bind,src=/srv,dst=/srv,readonly=false', {type: 'bind', source: '/srv', target: '/srv', readOnly: false}],
]
for (const [spec, want] of mounts) test(`--mount ${spec}`, (t) => t.deepEqual(parseMountFlag(spec), want))

for (const spec of ['type=tmpfs,dst=/x', 'type=bind,src=rel,dst=/x', 'type=bind,dst=/x', 'type=volume,src=v', 'type=nfs,dst=/x', 'type=volume,dst=/x,bogus=1', 'dst=/x,dst=/y', 'type=volume,dst=/x,readonly=maybe', 'type=volume,src=../x,dst=/x']) {
  test(`--mount ${JSON.stringify(spec)} is refused`, (t) => {
    t.throws(() => parseMountFlag(spec), {instanceOf: UserError})
  })
}
