import t from 'tap'
import { PendingWrites, type Batch } from '../../src/status/pending.js'
import type { StatusRecord } from '../../src/status/records.js'

// The queue folds refreshes and channel phases, keeps transitions in order,
// and refuses records past its bound.

const origin = { node: 'fs1', coreUuid: 'run-1' }
const registered = (callId: string, userAgent = 'phone'): StatusRecord => ({
  kind: 'registered', ...origin, profile: 'internal', callId, domain: 'pbx.example.com', extension: '100', contact: `<sip:100@192.0.2.1;${callId}>`,
  userAgent, networkIp: '192.0.2.1', networkPort: 5060, transport: 'udp', expiresS: 60,
})
const unregistered = (callId: string): StatusRecord => ({ kind: 'unregistered', ...origin, profile: 'internal', callId, contact: undefined, reason: 'unregistered' })
const at = new Date('2026-12-02T07:00:00Z')

t.test('a storm of refreshes is one write per registration', async (t) => {
  const q = new PendingWrites({ maxBatch: 1000, maxPending: 10_000 })
  let accepted = 0
  for (let i = 0; i < 5000; i++) if (q.add(registered(`c${i % 50}`, `ua ${i}`), at)) accepted++
  t.equal(accepted, 5000)
  t.equal(q.pending, 50)
  const batch = q.take() as Batch
  t.equal(batch.registrations.size, 50)
  const last = batch.registrations.get('fs1\u0000internal\u0000c49')
  t.equal(last?.op === 'upsert' && last.row.userAgent, 'ua 4999', 'the latest refresh wins')
  t.equal(q.take(), undefined)
  t.equal(q.pending, 0)
})

t.test('register then unregister of one phone stay two writes, in order', async (t) => {
  const q = new PendingWrites({ maxBatch: 1000, maxPending: 10_000 })
  q.add(registered('a'), at)
  q.add(unregistered('a'), at)
  q.add(unregistered('a'), at)
  q.add(registered('a'), at)
  const ops = []
  for (let item = q.take(); item !== undefined; item = q.take()) {
    if (item.kind === 'batch') ops.push([...item.registrations.values()].map((w) => w.op).join(','))
  }
  t.strictSame(ops, ['upsert', 'remove', 'upsert'])
})

t.test('a batch holds at most maxBatch rows; past maxPending records are refused', async (t) => {
  const q = new PendingWrites({ maxBatch: 10, maxPending: 25 })
  let accepted = 0
  for (let i = 0; i < 40; i++) if (q.add(registered(`c${i}`), at)) accepted++
  t.equal(accepted, 25)
  t.equal(q.pending, 25)
  const sizes = []
  for (let item = q.take(); item !== undefined; item = q.take()) sizes.push(item.kind === 'batch' ? item.size : -1)
  t.strictSame(sizes, [10, 10, 5])
})

t.test('channel phases fold into one row; failures are counted per address and hour', async (t) => {
  const q = new PendingWrites({ maxBatch: 1000, maxPending: 10_000 })
  const leg = { kind: 'channel', ...origin, uuid: 'u1', direction: 'outbound', domain: 'pbx.example.com', extension: '101', callUuid: 'c', otherParty: '100' } as const
  q.add({ ...leg, phase: 'up' }, at)
  q.add({ ...leg, phase: 'answered' }, new Date(at.getTime() + 2000))
  const failure = { kind: 'auth-failed', ...origin, profile: 'internal', networkIp: '203.0.113.9', user: '100', domain: 'pbx.example.com', userAgent: 'x', request: 'REGISTER' } as const
  q.add(failure, at)
  q.add({ ...failure, user: 'admin' }, new Date(at.getTime() + 1000))
  q.add({ ...failure, user: undefined }, new Date(at.getTime() + 3_600_000))
  const batch = q.take() as Batch
  const channel = batch.channels.get('fs1\u0000u1')
  t.match(channel, { op: 'upsert', row: { createdAt: at, answeredAt: new Date(at.getTime() + 2000) } })
  t.strictSame([...batch.failures.values()].map((f) => [f.hour.toISOString(), f.attempts, f.user ?? null]), [
    ['2026-12-02T07:00:00.000Z', 2, 'admin'],
    ['2026-12-02T08:00:00.000Z', 1, null],
  ])
  t.equal(batch.failedAuth.length, 2, 'a history row per attempt that named a user')
  q.putBack(batch)
  t.equal(q.pending, batch.size)
  const again = new PendingWrites({ maxBatch: 1000, maxPending: 10_000 })
  again.add({ ...leg, phase: 'up' }, at)
  again.add({ ...leg, phase: 'gone' }, at)
  t.match((again.take() as Batch).channels.get('fs1\u0000u1'), { op: 'remove' })
})
