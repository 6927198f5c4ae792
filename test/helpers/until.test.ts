import t from 'tap'
import { until } from './until.js'

// The polling helper the tests wait with: what it returns, when it gives up,
// and what its timeout says.

t.test('returns the first value that is neither undefined nor false, polling until then', async (t) => {
  const answers = [undefined, false, 0, 7]
  let calls = 0
  const started = Date.now()
  const value = await until('the third answer', 1000, () => answers[calls++], { everyMs: 40 })
  t.equal(value, 0, '0 is a value, not "not yet"')
  t.equal(calls, 3, 'probed until then, no further')
  t.ok(Date.now() - started >= 70, `waited between probes (${Date.now() - started} ms for 2 waits of 40 ms)`)
  t.equal(await until('a promised value', 1000, async () => 'ready'), 'ready', 'an async probe')
})

t.test('times out naming what it waited for, how long, and the context', async (t) => {
  let calls = 0
  const started = Date.now()
  await t.rejects(
    until('the lamp to light', 100, () => {
      calls++
      return false
    }, { context: () => 'sent so far: []' }),
    { message: 'timed out after 100 ms waiting for the lamp to light\nsent so far: []' },
  )
  t.ok(Date.now() - started >= 100, `not before the deadline (${Date.now() - started} ms)`)
  t.ok(calls > 2, `probed more than twice (${calls})`)
})

t.test('a probe that throws fails the wait at once, unless retries are asked for', async (t) => {
  let calls = 0
  await t.rejects(
    until('a broken probe', 5000, () => {
      calls++
      throw new Error('connection refused')
    }),
    { message: 'connection refused' },
  )
  t.equal(calls, 1, 'no second try')

  let tries = 0
  const value = await until('a socket coming up', 1000, () => {
    if (++tries < 3) throw new Error('not up yet')
    return 'up'
  }, { retryErrors: true })
  t.equal(value, 'up', 'retried until the probe answered')
  await t.rejects(
    until('a socket that never comes up', 50, () => {
      throw new Error('connection refused')
    }, { retryErrors: true }),
    { message: 'timed out after 50 ms waiting for a socket that never comes up (last error: connection refused)' },
  )
})
