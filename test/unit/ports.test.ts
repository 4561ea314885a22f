import test from 'ava'
import {UserError} from '../../src/errors.js'
import {checkDuplicates, dockerPortsView, formatPortLines, formatPortsColumn, parseExposedPorts, parsePublish, type PortMapping} from '../../src/networks/ports.js'

const m = (hostIp: string, hostPort: number, containerPort: number, protocol: 'tcp' | 'udp' = 'tcp'): PortMapping => ({hostIp, hostPort, containerPort, protocol})

test('every -p form of Docker\'s grammar', (t) => {
  t.deepEqual(parsePublish('80'), [m('0.0.0.0', 0, 80)])
  t.deepEqual(parsePublish('18080:80'), [m('0.0.0.0', 18080, 80)])
  t.deepEqual(parsePublish('127.0.0.1:18080:80'), [m('127.0.0.1', 18080, 80)])
  t.deepEqual(parsePublish('127.0.0.1::80'), [m('127.0.0.1', 0, 80)])
  t.deepEqual(parsePublish('53/udp'), [m('0.0.0.0', 0, 53, 'udp')])
  t.deepEqual(parsePublish('5353:53/udp'), [m('0.0.0.0', 5353, 53, 'udp')])
  t.deepEqual(parsePublish('10.0.0.1:8080:80/tcp'), [m('10.0.0.1', 8080, 80)])
  t.deepEqual(parsePublish('0:80'), [m('0.0.0.0', 0, 80)])
  t.deepEqual(parsePublish('65535:1'), [m('0.0.0.0', 65535, 1)])
})

test('port ranges', (t) => {
  t.deepEqual(parsePublish('8000-8002:80-82'), [m('0.0.0.0', 8000, 80), m('0.0.0.0', 8001, 81), m('0.0.0.0', 8002, 82)])
  t.deepEqual(parsePublish('80-81'), [m('0.0.0.0', 0, 80), m('0.0.0.0', 0, 81)])
  t.deepEqual(parsePublish('127.0.0.1::80-81/udp'), [m('127.0.0.1', 0, 80, 'udp'), m('127.0.0.1', 0, 81, 'udp')])
  t.deepEqual(parsePublish('9000-9000:90'), [m('0.0.0.0', 9000, 90)])
})

test('bad -p forms are one-line UserErrors naming the spec', (t) => {
  const cases: Array<[string, string | RegExp]> = [
    ['99999:80', 'invalid port spec "99999:80": port 99999 is out of range 1-65535'],
    ['80:99999', 'invalid port spec "80:99999": port 99999 is out of range 1-65535'],
    ['0', /port 0 is out of range 1-65535/],
    ['abc', 'invalid port spec "abc": "abc" is not a port number or range (like 80 or 8000-8010)'],
    ['80/sctp', 'invalid port spec "80/sctp": protocol "sctp" is not supported; use tcp or udp'],
    ['80/', /the protocol after "\/" is missing/],
    ['80/TCP', /protocol "TCP" is not supported/],
    ['300.1.1.1:80:80', 'invalid port spec "300.1.1.1:80:80": "300.1.1.1" is not a valid IPv4 host address'],
    ['localhost:80:80', /"localhost" is not a valid IPv4 host address/],
    [':80:80', /the host IP before ":" is empty/],
    ['8080:', /no container port given/],
    ['', /expected \[IP:\]\[HOSTPORT:\]CONTAINERPORT/],
    ['80 ', /expected/],
    ['1.2.3.4:1:2:3', /too many colons/],
    ['[::1]:80:80', /IPv6 host addresses are not supported/],
    ['8000-8002:80', /a host port range needs a container port range of the same length/],
    ['8000-8002:80-81', /host range 8000-8002 and container range 80-81 have different lengths/],
    ['82-80', /range 82-80 ends before it starts/],
    ['-80', /is not a port number or range/],
    ['80-', /is not a port number or range/],
    ['8o:80', /"8o" is not a port number/],
    ['0-2:80-82', /host port 0 cannot start a range/],
  ]
  for (const [spec, message] of cases) {
    const err = t.throws(() => parsePublish(spec), {instanceOf: UserError}, spec)
    if (typeof message === 'string') t.is(err?.message, message)
    else t.regex(err?.message ?? '', message, spec)
    t.true(err?.message.startsWith(`invalid port spec "${spec}": `))
    t.false(err?.message.includes('\n'))
  }
})

test('checkDuplicates: same address/port/protocol, 0.0.0.0 overlapping any address', (t) => {
  t.notThrows(() => checkDuplicates([...parsePublish('8080:80'), ...parsePublish('8081:80'), ...parsePublish('8080:80/udp')]))
  t.notThrows(() => checkDuplicates([...parsePublish('127.0.0.1:8080:80'), ...parsePublish('127.0.0.2:8080:81')]))
  t.notThrows(() => checkDuplicates([...parsePublish('80'), ...parsePublish('81'), ...parsePublish('127.0.0.1::82')]))
  t.throws(() => checkDuplicates([...parsePublish('8080:80'), ...parsePublish('8080:81')]), {
    instanceOf: UserError,
    message: 'host port 0.0.0.0:8080/tcp is published twice (to container ports 80 and 81); use one host port per mapping',
  })
  t.throws(() => checkDuplicates([...parsePublish('127.0.0.1:8080:80'), ...parsePublish('8080:81')]), {message: /8080\/tcp is published twice/})
  t.throws(() => checkDuplicates([...parsePublish('8080:80'), ...parsePublish('10.0.0.1:8080:81')]), {message: /10\.0\.0\.1:8080\/tcp is published twice/})
  t.throws(() => checkDuplicates(parsePublish('8000-8002:80-82').concat(parsePublish('8002:90'))), {message: /8002\/tcp is published twice/})
})

test('parseExposedPorts (image ExposedPorts keys, for -P)', (t) => {
  t.deepEqual(parseExposedPorts(['80/tcp', '53/udp', '8080', '443/tcp', '80/tcp']), [
    {containerPort: 53, protocol: 'udp'},
    {containerPort: 80, protocol: 'tcp'},
    {containerPort: 443, protocol: 'tcp'},
    {containerPort: 8080, protocol: 'tcp'},
  ])
  t.deepEqual(parseExposedPorts(['7000-7001/udp']), [{containerPort: 7000, protocol: 'udp'}, {containerPort: 7001, protocol: 'udp'}])
  t.deepEqual(parseExposedPorts(['132/sctp', 'junk', '0/tcp', '70000/tcp']), [])
  t.deepEqual(parseExposedPorts([]), [])
})

test('dockerPortsView: exactly Docker\'s NetworkSettings.Ports', (t) => {
  // docs/CLI.md: `Ports` like Docker: {"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18080"}]}
  t.is(JSON.stringify(dockerPortsView([m('0.0.0.0', 18080, 80)])), '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18080"}]}')
  t.deepEqual(dockerPortsView([m('0.0.0.0', 18080, 80), m('127.0.0.1', 18081, 80), m('0.0.0.0', 5353, 53, 'udp')], ['80/tcp', '443/tcp']), {
    '443/tcp': null,
    '53/udp': [{HostIp: '0.0.0.0', HostPort: '5353'}],
    '80/tcp': [
      {HostIp: '0.0.0.0', HostPort: '18080'},
      {HostIp: '127.0.0.1', HostPort: '18081'},
    ],
  })
  t.deepEqual(Object.keys(dockerPortsView([m('0.0.0.0', 1, 80)], ['443/tcp', '53/udp'])), ['443/tcp', '53/udp', '80/tcp'])
  t.deepEqual(dockerPortsView([]), {})
  t.deepEqual(dockerPortsView([], ['80/tcp']), {'80/tcp': null})
})

test('formatPortLines: docker port', (t) => {
  t.deepEqual(formatPortLines([m('127.0.0.1', 18081, 80), m('0.0.0.0', 5353, 53, 'udp'), m('0.0.0.0', 18080, 80)]), [
    '80/tcp -> 0.0.0.0:18080',
    '80/tcp -> 127.0.0.1:18081',
    '53/udp -> 0.0.0.0:5353',
  ])
  t.deepEqual(formatPortLines([]), [])
})

test('formatPortsColumn: ps PORTS, with ranges compacted', (t) => {
  t.is(formatPortsColumn([m('0.0.0.0', 18080, 80)]), '0.0.0.0:18080->80/tcp')
  t.is(formatPortsColumn(parsePublish('8000-8002:80-82')), '0.0.0.0:8000-8002->80-82/tcp')
  t.is(formatPortsColumn([m('0.0.0.0', 18080, 80), m('127.0.0.1', 9000, 443), m('0.0.0.0', 5353, 53, 'udp')]), '0.0.0.0:18080->80/tcp, 127.0.0.1:9000->443/tcp, 0.0.0.0:5353->53/udp')
  t.is(formatPortsColumn([m('0.0.0.0', 8000, 80), m('0.0.0.0', 9000, 81)]), '0.0.0.0:8000->80/tcp, 0.0.0.0:9000->81/tcp')
  t.is(formatPortsColumn(parsePublish('80')), '80/tcp')
  t.is(formatPortsColumn([]), '')
})
