import test from 'ava'
import {execa} from 'execa'
import {fileURLToPath} from 'node:url'

// `npm run bench` in its quick form (BENCH_QUICK=1: each figure once or twice, small sizes, no
// docs written), so a bench that breaks is noticed in CI. Nothing here looks at a timing: only
// that every row printed a number beside its floor.

const BENCH = fileURLToPath(new URL('../../bench/run.js', import.meta.url))

test('the quick bench runs and every row prints a figure and a ratio', async (t) => {
  const r = await execa(process.execPath, [BENCH], {env: {BENCH_QUICK: '1'}, reject: false, timeout: 240_000})
  t.is(r.exitCode, 0, `${r.stderr}\n${r.stdout}`)
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| figure') && !l.startsWith('| ---'))
  t.true(rows.length >= 12, r.stdout)
  for (const row of rows) {
    const [figure, value, floor, ratio] = row.split(' | ').map((c) => c.replace(/^\| /, ''))
    t.regex(value, /\d/, `${figure}: value`)
    t.truthy(floor, `${figure}: floor`)
    t.regex(ratio, /^\d+\.\d+$/, `${figure}: ratio`)
  }
})
