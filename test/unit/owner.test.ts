import test from 'ava'
import {createHash} from 'node:crypto'
import {bridgeRefusal, tableRefusal} from '../../src/networks/owner.js'
import {ownerMarkOf, tagOf} from '../../src/state/paths.js'

// Issue 11: roots must not share kernel objects. Tags wide enough not to collide, and marks
// that name the root on everything minirun makes.

test('tags: 12 base32 chars, so "mr" + tag + "0" fits IFNAMSIZ; empty for the default root', (t) => {
  t.is(tagOf('/var/lib/minirun'), '')
  const tag = tagOf('/tmp/a')
  t.regex(tag, /^[a-z2-7]{12}$/)
  t.true(`mr${tag}0`.length <= 15)
  t.is(tagOf('/tmp/a'), tag, 'stable')
})

test('the old 16-bit tag collides within a few hundred roots; the new one not in 200000', (t) => {
  const old = new Map<string, string>()
  let oldCollision: [string, string] | undefined
  for (let i = 0; !oldCollision; i++) {
    const root = `/tmp/root-${i}`
    const tag = createHash('sha256').update(root).digest('hex').slice(0, 4)
    if (old.has(tag)) oldCollision = [old.get(tag)!, root]
    old.set(tag, root)
  }
  t.not(tagOf(oldCollision[0]), tagOf(oldCollision[1]), `${oldCollision.join(' and ')} shared a tag, not any more`)
  const seen = new Set<string>()
  for (let i = 0; i < 200_000; i++) seen.add(tagOf(`/tmp/root-${i}`))
  t.is(seen.size, 200_000)
})

test('owner marks: the root path when nft and ip can carry it, else its sha256', (t) => {
  t.is(ownerMarkOf('/tmp/mr-test-x/root'), 'minirun:/tmp/mr-test-x/root')
  t.regex(ownerMarkOf('/tmp/with space'), /^minirun:sha256:[0-9a-f]{64}$/)
  t.regex(ownerMarkOf('/' + 'a'.repeat(200)), /^minirun:sha256:[0-9a-f]{64}$/)
  t.not(ownerMarkOf('/tmp/a'), ownerMarkOf('/tmp/b'))
})

test('a bridge name is used only when absent or marked by this root', (t) => {
  const mine = 'minirun:/r/mine'
  t.is(bridgeRefusal('br0', undefined, mine), undefined)
  t.is(bridgeRefusal('br0', {kind: 'bridge', alias: mine}, mine), undefined)
  t.regex(bridgeRefusal('br0', {kind: 'veth'}, mine)!, /^interface br0 already exists \(a veth interface minirun did not create\).*choose another name/)
  t.regex(bridgeRefusal('br0', {kind: 'bridge'}, mine)!, /a bridge minirun did not create/)
  t.regex(bridgeRefusal('br0', {kind: 'bridge', alias: 'minirun:/r/other'}, mine)!, /^bridge br0 belongs to minirun root \/r\/other, not this one/)
})

test("minirun's table is used only when it carries this root's mark", (t) => {
  const mine = 'minirun:/r/mine'
  t.is(tableRefusal('minirunx', mine, mine), undefined)
  t.regex(tableRefusal('minirunx', 'minirun:/r/other', mine)!, /^nft table ip minirunx belongs to minirun root \/r\/other/)
  t.regex(tableRefusal('minirunx', undefined, mine)!, /without this minirun root's ownership mark.*nft delete table ip minirunx/)
})
