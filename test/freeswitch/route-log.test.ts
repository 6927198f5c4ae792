import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { openPostgres } from '../../src/db/postgres.js'
import type { Database } from '../../src/db/database.js'
import { LOG_FLUSH_MS } from '../../src/server-options.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'

// The one log line of each way a lookup can end, field by field: the
// message, its level, and the fields operators filter on. Time, pid,
// hostname and reqId vary; ms is a number.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')
type Line = Record<string, unknown>

/** The service with its production logger writing to a stream this test reads. */
async function logged(t: Test, database: Database, config: Parameters<typeof buildApp>[2] = {}, extra: Parameters<typeof buildApp>[4] = {}) {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const app = await buildApp(t, database, config, stream, { logLevel: 'info', ...extra })
  /**
   * The lines written, once `count` are there and one more flush interval
   * has passed (the logger writes in batches, LOG_FLUSH_MS): a line too many
   * would be seen.
   */
  const parsed = (): Line[] => (text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l) as Line))
  const lines = async (count: number): Promise<Line[]> => {
    await until(`${count} log lines`, 5000, () => parsed().length >= count, { context: () => text })
    await new Promise((resolve) => setTimeout(resolve, 2 * LOG_FLUSH_MS))
    return parsed().map(({ time: _time, pid: _pid, hostname: _host, reqId: _req, ms, ...rest }) => {
      if (ms !== undefined && typeof ms !== 'number') throw new Error(`ms is ${typeof ms}`)
      return ms === undefined ? rest : { ...rest, ms: 'number' }
    })
  }
  return { app, lines }
}

const post = (app: FastifyInstance, payload: string, headers: Record<string, string> = FORM) => app.inject({ method: 'POST', url: '/freeswitch', headers, payload })

eachDatabase(t, async (t, database) => {
  t.beforeEach(async () => {
    const d = await insertDomain(database.db, '127.0.0.1')
    await insertExtension(database.db, d, '1000', { sip_password: '1234' })
  })
  const user = { section: 'directory', action: 'sip_auth', user: '1000@127.0.0.1' }

  t.test('answered and not found: "lookup" at info, the decision, notes only when there are some', async (t) => {
    const { app, lines } = await logged(t, database)
    t.equal((await post(app, REGISTER)).statusCode, 200)
    t.equal((await post(app, rewrite(REGISTER, { user: '1999' }))).statusCode, 200)
    t.strictSame(await lines(2), [
      { level: 30, msg: 'lookup', ...user, decision: 'user', ms: 'number' },
      { level: 30, msg: 'lookup', ...user, user: '1999@127.0.0.1', decision: 'not-found', notes: ['no enabled extension of an enabled domain'], ms: 'number' },
    ])
  })

  t.test('from the cache: the same line, marked cached', async (t) => {
    const { app, lines } = await logged(t, database, { lookupCache: { maxEntries: 100 } })
    await until('the cache on (its LISTEN connection up)', 5000, () => app.lookupCache?.enabled === true)
    await post(app, REGISTER)
    await post(app, REGISTER)
    const [first, second] = (await lines(2)).filter((l) => l.msg === 'lookup')
    t.strictSame(first, { level: 30, msg: 'lookup', ...user, decision: 'user', ms: 'number' })
    t.strictSame(second, { level: 30, msg: 'lookup', ...user, decision: 'user', cached: true, ms: 'number' })
  })

  t.test('a forged body: a warning saying it was answered not found', async (t) => {
    const { app, lines } = await logged(t, database)
    t.equal((await post(app, `${REGISTER}&user=1001`)).statusCode, 200)
    t.strictSame(await lines(1), [
      { level: 40, msg: 'lookup refused: not what FreeSWITCH sends; answered not found', section: 'refused', reason: 'field user is repeated', ms: 'number' },
    ])
  })

  t.test('schema not migrated yet: a 503 and one warning', async (t) => {
    const { app, lines } = await logged(t, database, {}, { readiness: { migrated: false } })
    t.equal((await post(app, REGISTER)).statusCode, 503)
    t.equal((await post(app, REGISTER)).statusCode, 503)
    t.strictSame(await lines(1), [{ level: 40, msg: 'lookup refused: database not ready (503)', ...user, suppressed: 0, ms: 'number' }], 'the second within the second is counted, not logged')
  })

  t.test('a body that is not a form: "request refused" with the status and the reason', async (t) => {
    const { app, lines } = await logged(t, database)
    t.equal((await post(app, '<x/>', { 'content-type': 'application/xml' })).statusCode, 415)
    t.strictSame(await lines(1), [{ level: 40, msg: 'request refused', status: 415, reason: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }])
  })
})

t.test('a failing database: an error line with the error, then quiet for a second', async (t) => {
  const broken = openPostgres({ url: 'postgres://nobody@127.0.0.1:9/none', statementTimeoutMs: 500 })
  t.teardown(() => broken.close())
  const { app, lines } = await logged(t, broken)
  t.equal((await post(app, REGISTER)).statusCode, 503)
  t.equal((await post(app, REGISTER)).statusCode, 503)
  const all = await lines(1)
  t.equal(all.length, 1, 'one line for two failures within the window')
  const { err, ...rest } = all[0] as Line
  t.strictSame(rest, { level: 50, msg: 'lookup failed (503); FreeSWITCH falls back to its static XML', section: 'directory', action: 'sip_auth', user: '1000@127.0.0.1', suppressed: 0, ms: 'number' })
  t.match(err, { type: 'Error', message: /ECONNREFUSED|connect/ }, 'the error itself, serialized')
})
