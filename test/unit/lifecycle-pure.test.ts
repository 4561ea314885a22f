import test from 'ava'
import {DetachMatcher, frame, parseDetachKeys} from '../../src/containers/attach.js'
import {parseLog, parseSince} from '../../src/containers/log-format.js'
import {parseRestartPolicy, restartDelay, shouldRestart} from '../../src/containers/restart-policy.js'

test('restart policies: parsing, and when an exit restarts', (t) => {
  t.deepEqual(parseRestartPolicy(), {name: 'no', maxRetries: 0})
  t.deepEqual(parseRestartPolicy('on-failure:3'), {name: 'on-failure', maxRetries: 3})
  t.throws(() => parseRestartPolicy('always:3'), {message: /invalid --restart "always:3"/})
  t.throws(() => parseRestartPolicy('sometimes'))
  const onFailure = parseRestartPolicy('on-failure:2')
  t.true(shouldRestart(onFailure, 1, 0, false))
  t.true(shouldRestart(onFailure, 1, 1, false))
  t.false(shouldRestart(onFailure, 1, 2, false), 'exactly N restarts')
  t.false(shouldRestart(onFailure, 0, 0, false), 'success is not a failure')
  t.true(shouldRestart(parseRestartPolicy('on-failure'), 1, 99, false), 'no limit')
  t.true(shouldRestart(parseRestartPolicy('always'), 0, 5, false))
  t.false(shouldRestart(parseRestartPolicy('always'), 137, 0, true), 'stop ends it for good')
  t.false(shouldRestart(parseRestartPolicy('no'), 1, 0, false))
  t.deepEqual([0, 1, 2, 20].map(restartDelay), [100, 200, 400, 60_000])
})

test('detach keys: Docker spelling, and a matcher that holds back only what may start the sequence', (t) => {
  t.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [0x10, 0x11])
  t.deepEqual([...parseDetachKeys('x')], [0x78])
  t.throws(() => parseDetachKeys('ctrl-p,alt-q'), {message: /invalid --detach-keys/})
  const m = new DetachMatcher(parseDetachKeys('ctrl-p,ctrl-q'))
  t.deepEqual(m.feed(Buffer.from('ls\n')), {send: Buffer.from('ls\n'), detach: false})
  t.deepEqual(m.feed(Buffer.from([0x10])), {send: Buffer.alloc(0), detach: false}, 'held back')
  t.deepEqual(m.feed(Buffer.from('a')), {send: Buffer.from([0x10, 0x61]), detach: false}, 'not the sequence after all: sent on')
  t.deepEqual(m.feed(Buffer.from([0x61, 0x10, 0x11, 0x62])), {send: Buffer.from('a'), detach: true})
  t.deepEqual([...frame('w', Buffer.from([0, 24, 0, 80]))], [0x77, 0, 4, 0, 24, 0, 80])
})

test('log records: streams apart, partial lines joined, binary kept, an unfinished record left for later', (t) => {
  const text = [
    '2026-12-01T10:00:00.000000001Z stdout F hello',
    '2026-12-01T10:00:00.000000002Z stderr P par',
    '2026-12-01T10:00:00.000000003Z stdout F world',
    '2026-12-01T10:00:00.000000004Z stderr F tial',
    '2026-12-01T10:00:00.000000005Z stdout F unfinis',
  ].join('\n')
  const {lines, rest} = parseLog(Buffer.from(text))
  t.deepEqual(lines.map((l) => [l.stream, l.data.toString()]), [['stdout', 'hello\n'], ['stdout', 'world\n'], ['stderr', 'partial\n']])
  t.is(lines[2].time, '2026-12-01T10:00:00.000000002Z', "a line's time is its first record's")
  t.is(rest.toString(), '2026-12-01T10:00:00.000000005Z stdout F unfinis')
  const bin = Buffer.concat([Buffer.from('2026-12-01T10:00:00.0Z stdout P '), Buffer.from([0, 255, 13]), Buffer.from('\n')])
  const open = parseLog(bin)
  t.deepEqual(open.lines, [])
  t.deepEqual([...open.open.stdout!.data], [0, 255, 13])
})

test('--since: a time, Unix seconds, or a duration before now', (t) => {
  const now = Date.parse('2026-12-01T12:00:00Z')
  t.is(parseSince('10m', now), now - 600_000)
  t.is(parseSince('1700000000'), 1_700_000_000_000)
  t.is(parseSince('2026-12-01T11:00:00Z', now), now - 3_600_000)
  t.throws(() => parseSince('yesterday'))
})
