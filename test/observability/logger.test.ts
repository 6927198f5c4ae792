import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import { openPostgres } from '../../src/db/postgres.js'
import { safeError } from '../../src/observability/logger.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'

// The production logger (server-options.ts → observability/logger.ts), at
// the chattiest levels: no password, hash, PIN or digest may reach it.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')
const VOICEMAIL = fixture('directory-user_data-var-api.txt')
const SECRETS = {
  password: 'pw-Very-Secret',
  pin: '97531',
  hash: 'e2f582b9dc317e63b6fe82419883aac5', // md5(1000:127.0.0.1:1234)
  digest: '7576bd59aadddec28bcba17513702d7d', // the REGISTER's sip_auth_response
  basic: 'xml-curl-secret',
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough()
  let logs = ''
  stream.on('data', (chunk: Buffer) => (logs += chunk.toString()))
  return { stream, text: () => logs }
}

function assertNoSecrets(t: Test, logs: string): void {
  for (const [what, secret] of Object.entries(SECRETS)) t.notOk(logs.includes(secret), `no ${what} in the log`)
}

eachDatabase(t, async (t, database) => {
  for (const level of ['debug', 'trace'] as const) {
    t.test(`at ${level}: answers, refusals and bad credentials leave no secret`, async (t) => {
      const log = capture()
      const basicAuth = { username: 'freeswitch', password: SECRETS.basic }
      const app = await buildApp(t, database, { basicAuth }, log.stream, { logLevel: level })
      const d = await insertDomain(database.db, '127.0.0.1')
      await insertExtension(database.db, d, '1000', { sip_password: '1234', voicemail_pin: SECRETS.pin })
      const authorization = `Basic ${Buffer.from(`freeswitch:${SECRETS.basic}`).toString('base64')}`
      for (const payload of [REGISTER, VOICEMAIL, `${REGISTER}&user=1`, rewrite(REGISTER, { user: '1999' })]) {
        const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { ...FORM, authorization }, payload })
        t.equal(res.statusCode, 200)
      }
      const wrong = `Basic ${Buffer.from(`freeswitch:${SECRETS.password}`).toString('base64')}`
      t.equal((await app.inject({ method: 'POST', url: '/freeswitch', headers: { ...FORM, authorization: wrong }, payload: REGISTER })).statusCode, 401)
      t.match(log.text(), /"msg":"lookup"/, 'the lookups were logged')
      assertNoSecrets(t, log.text())
    })
  }
})

t.test('a failing database: one line per kind a second, no stack, no library objects', async (t) => {
  const log = capture()
  const broken = openPostgres({ url: 'postgres://nobody@127.0.0.1:9/none' })
  t.teardown(() => broken.close())
  const app = await buildApp(t, broken, {}, log.stream, { logLevel: 'trace' })
  const started = Date.now()
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER })
    t.equal(res.statusCode, 503)
  }
  // One line a second: on a loaded machine the burst may span a second or two.
  const seconds = Math.floor((Date.now() - started) / 1000)
  const failures = log.text().split('\n').filter((l) => l.includes('lookup failed'))
  t.ok(failures.length >= 1 && failures.length <= seconds + 1, `20 failures in ${seconds + 1} s or less: ${failures.length} line(s), at most one a second`)
  if (seconds === 0) t.equal(failures.length, 1, 'within a second, one line')
  const line = JSON.parse(failures[0] ?? '{}') as { err?: Record<string, unknown> }
  t.strictSame(Object.keys(line.err ?? {}).sort(), ['code', 'message', 'type'], 'the error as type, message and code')
  t.equal(line.err?.code, 'ECONNREFUSED')
  t.notMatch(log.text(), /"stack"/)
})

t.test('safeError keeps nothing an error carries but its type, message and code', async (t) => {
  const err = Object.assign(new Error('Connection terminated unexpectedly'), {
    code: '57P01',
    client: { secretKey: 123456789, processID: 42, connectionParameters: { password: SECRETS.password } },
  })
  t.strictSame(safeError(err), { type: 'Error', message: 'Connection terminated unexpectedly', code: '57P01' })
  t.strictSame(safeError('plain'), { type: 'string', message: 'plain' })
  t.equal(safeError(new Error('x'.repeat(2000))).message.length, 500, 'long messages cut')
})
