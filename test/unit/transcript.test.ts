import test from 'ava'
import {execFileSync} from 'node:child_process'
import {createTranscript, shellWords, wrapCommand, wrapComment} from '../../src/cli/transcript.js'

const ID = 'a'.repeat(64)
const fmt = () => createTranscript({root: '/var/lib/minirun', runtime: '/run/minirun', width: 60})

test('store paths become variables, defined once, on first use', (t) => {
  const f = fmt()
  t.deepEqual(f(`mkdir -p /var/lib/minirun/containers/${ID}/upper /var/lib/minirun/containers/${ID}/work`), [
    `C=/var/lib/minirun/containers/${ID}`,
    'mkdir -p $C/upper $C/work',
  ])
  t.deepEqual(f(`umount /run/minirun/netns/${ID}`), [`NS=/run/minirun/netns/${ID}`, 'umount $NS'])
  t.deepEqual(f(`rm -f /run/minirun/netns/${ID}`), ['rm -f $NS'])
  const other = 'b'.repeat(64)
  t.deepEqual(f(`cat /var/lib/minirun/containers/${other}/hosts`), [`C2=/var/lib/minirun/containers/${other}`, 'cat $C2/hosts'])
})

test('a variable followed by a word character is braced; single quotes are left alone', (t) => {
  const f = fmt()
  t.is(f(`echo /var/lib/minirun/containers/${ID}x`).at(-1), 'echo ${C}x')
  const quoted = f(`sh -c 'cat /var/lib/minirun/containers/${ID}/hosts'`)
  t.false(quoted.some((l) => l.includes('$') || l.startsWith('C')), quoted.join('\n'))
})

test('a heredoc is opened unquoted only when its body gets our variables and has no $ of its own', (t) => {
  const f = fmt()
  const out = f(`ip -batch - <<'MINIRUN_EOF'\nlink add v0 type veth peer name eth0 netns /run/minirun/netns/${ID}\nMINIRUN_EOF`)
  t.deepEqual(out, [`NS=/run/minirun/netns/${ID}`, 'ip -batch - <<MINIRUN_EOF', 'link add v0 type veth peer name eth0 netns $NS', 'MINIRUN_EOF'])
  const literal = `nft -f - <<'MINIRUN_EOF'\ndefine x = $y /run/minirun/netns/${ID}\nMINIRUN_EOF`
  t.deepEqual(f(literal), literal.split('\n'))
})

test('long commands wrap between words with continuations a shell joins back', (t) => {
  const line = `launcher launch --root /some/long/path/rootfs --bind /a/hosts /etc/hosts rw --bind /a/hostname /etc/hostname rw --env 'A=b c' -- sleep 60`
  const lines = wrapCommand(line, 60)
  t.true(lines.length > 1)
  t.true(lines.every((l) => l.length <= 60), lines.join('\n'))
  t.true(lines.some((l) => l.trimStart().startsWith('--bind /a/hosts /etc/hosts rw')), 'a flag stays with its values')
  const echoed = execFileSync('bash', ['-c', `set -- ${lines.join('\n')}\nprintf '%s\\n' "$@"`]).toString()
  t.deepEqual(echoed.trim().split('\n'), shellWords(line).map((w) => w.replace(/^'(.*)'$/, '$1')))
})

test('long comments wrap onto more comment lines', (t) => {
  const out = wrapComment(`# ${'word '.repeat(30).trim()}`, 40)
  t.true(out.length > 1)
  t.true(out.every((l) => l.startsWith('#') && l.length <= 40))
})

test('phase headers keep their blank line', (t) => {
  t.deepEqual(fmt()('\n# ── netns: x'), ['', '# ── netns: x'])
})
