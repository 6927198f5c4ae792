import t from 'tap'
import { AnswerCache, type CachedAnswer } from '../../src/cache/answer-cache.js'
import { ReplicaFence, parseLsn } from '../../src/cache/replica-fence.js'

// The fence's logic, with the two WAL positions given by the test (a real
// primary and standby pair is not set up in the test suite; the positions
// are what pg_current_wal_lsn() and pg_last_wal_replay_lsn() return).

const answer: CachedAnswer = { body: 'x', decision: 'user', notes: [] }
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('WAL positions compare as numbers', async (t) => {
  t.equal(parseLsn('0/0'), 0n)
  t.equal(parseLsn('16/B374D848'), (0x16n << 32n) + 0xb374d848n)
  t.ok(parseLsn('1/0') > parseLsn('0/FFFFFFFF'))
  t.throws(() => parseLsn('nonsense'), { message: /not a WAL position/ })
})

t.test("a tenant's answers are not kept until the replica has replayed the change", async (t) => {
  const cache = new AnswerCache(100)
  cache.enable()
  let replica = '0/100'
  const fence = new ReplicaFence(cache, { primary: async () => '0/200', replica: async () => replica }, 5)
  t.teardown(() => fence.stop())
  cache.invalidate(['a.example.com'])
  await fence.changed(['a.example.com'])
  t.equal(cache.set(cache.ticket('a.example.com'), 'k', answer), false, 'held: the replica is behind')
  t.equal(cache.set(cache.ticket('b.example.com'), 'k', answer), true, 'other tenants are not held')
  await wait(30)
  t.equal(cache.set(cache.ticket('a.example.com'), 'k', answer), false, 'still behind')
  replica = '0/200'
  await wait(30)
  t.equal(cache.set(cache.ticket('a.example.com'), 'k', answer), true, 'released once replayed')
})

t.test('a replica that is no standby (no replay position) holds nothing for long; "all" holds every bucket', async (t) => {
  const cache = new AnswerCache(100)
  cache.enable()
  const fence = new ReplicaFence(cache, { primary: async () => '0/10', replica: async () => null }, 5)
  t.teardown(() => fence.stop())
  await fence.changed('all')
  t.equal(cache.set(cache.ticket('c.example.com'), 'k', answer), false, 'held at first')
  await wait(30)
  t.equal(cache.set(cache.ticket('c.example.com'), 'k', answer), true)
})

t.test('without the primary\'s position, the cache is cleared and nothing stays held', async (t) => {
  const cache = new AnswerCache(100)
  cache.enable()
  cache.set(cache.ticket('a.example.com'), 'k', answer)
  const errors: string[] = []
  const fence = new ReplicaFence(cache, { primary: async () => { throw new Error('primary gone') }, replica: async () => '0/0' }, 5, (e) => errors.push(e.message))
  t.teardown(() => fence.stop())
  await fence.changed(['b.example.com'])
  t.equal(cache.size, 0)
  t.strictSame(errors, ['primary gone'])
  t.equal(cache.set(cache.ticket('b.example.com'), 'k', answer), true)
})
