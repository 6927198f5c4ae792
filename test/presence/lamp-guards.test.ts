import { PassThrough } from 'node:stream'
import pg from 'pg'
import t, { type Test } from 'tap'
import { buildApp } from '../helpers/app.js'
import { eachDatabase, type TestDatabase } from '../helpers/databases.js'
import { sentWithin } from '../helpers/event-waits.js'
import { FakeEventSocket, type SentEvent } from '../helpers/fake-event-socket.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'

// The lamp's guards that no other test reaches: the database listener
// coming back after Postgres drops it (the lamps are sent again, and SQL
// edits are followed after it), and disabled domains (no lamp answered or
// resent). Against the fake event socket, which speaks mod_event_socket's
// protocol; the PRESENCE_IN fields are facts §9.4's.

const D = 'pbx.example.com'
const lamp = (e: SentEvent) => ({ name: e.name, from: e.headers.from, rpid: e.headers.rpid, 'answer-state': e.headers['answer-state'] })
const ON = (host = D) => ({ name: 'PRESENCE_IN', from: `fm100@${host}`, rpid: 'active', 'answer-state': 'confirmed' })
const OFF = (host = D) => ({ name: 'PRESENCE_IN', from: `fm100@${host}`, rpid: 'unknown', 'answer-state': 'terminated' })

const probe = (to: string) => ({
  'Event-Name': 'PRESENCE_PROBE',
  'Event-Calling-Function': 'sofia_presence_handle_sip_i_subscribe',
  'probe-type': 'dialog',
  proto: 'sip',
  login: 'internal',
  sip_profile: 'internal',
  from: `101@${D}`,
  to,
  'proto-specific-event-name': 'dialog',
  expires: '600',
  event_type: 'presence',
  alt_event_type: 'dialog',
  'sub-call-id': '1-29965@127.0.0.1',
})

async function operator(t: Test, database: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url, options: `-c search_path=${database.schema}` })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const fake = new FakeEventSocket('ClueCon')
  await fake.start()
  t.teardown(() => fake.stop())
  t.beforeEach(() => {
    fake.sent.length = 0
  })
  const eventSocket = () => ({ eventSockets: [{ host: '127.0.0.1', port: fake.port, password: 'ClueCon' }] })
  const seed = async (domain: string, enabled: boolean, domainEnabled = true) => {
    const d = await insertDomain(db, domain, domainEnabled)
    const e = await insertExtension(db, d, '100')
    await db.insertInto('follow_me').values({ extension_id: e, enabled }).execute()
  }

  t.test('the database listener terminated: lamps are sent again once it is back, and follow SQL edits after it', async (t) => {
    await seed(D, false)
    const logStream = new PassThrough()
    const logs: Array<Record<string, unknown>> = []
    let partial = ''
    logStream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>)
    })
    const app = await buildApp(t, database, eventSocket(), logStream, { logLevel: 'info' })
    await until('connected to the event socket', () => app.presence?.connected === true, 5000)
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(fake.sent.map(lamp), [OFF()], 'every lamp on connect')
    fake.sent.length = 0

    const psql = await operator(t, database)
    const listenerName = `${database.applicationName} listener`
    const listeners = async () =>
      (await psql.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [listenerName])).rows.map((r) => r.pid)
    const before = await listeners()
    t.equal(before.length, 1, 'one listening connection')
    // What an operator's restart (or pg_terminate_backend) does to it.
    const killed = await psql.query<{ n: number }>('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1', [listenerName])
    t.equal(killed.rows[0]?.n, 1, 'listener terminated')
    // Changed while nobody listens: only the resync can carry it.
    await psql.query('update follow_me set enabled = true')

    await until('a new listening connection', async () => (await listeners()).some((pid) => !before.includes(pid)), 10_000)
    await fake.waitFor((sent) => sent.some((e) => lamp(e).rpid === 'active'), 10_000)
    t.strictSame(fake.sent.map(lamp).at(-1), ON(), 'the change made meanwhile is sent')
    // The log line follows the lamps it reports: wait for it rather than race it.
    await until('the resync logged', () => logs.some((l) => l.msg === 'lamps sent again'), 5000)
    t.ok(
      logs.some((l) => l.msg === 'lamps sent again' && l.why === 'database listener reconnected'),
      'sent by the resync that follows the reconnect',
    )

    fake.sent.length = 0
    await psql.query('update follow_me set enabled = false')
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(fake.sent.map(lamp), [OFF()], 'an SQL edit after the reconnect relights the lamp')
  })

  t.test('a disabled domain: no lamp on connect, none answered to a probe', async (t) => {
    await seed(D, true)
    await seed('off.example.com', true, false)
    const app = await buildApp(t, database, eventSocket())
    await until('connected to the event socket', () => app.presence?.connected === true, 5000)
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame((await sentWithin(fake, 1)).map(lamp), [], 'nothing more on connect')
    t.strictSame(fake.sent.map(lamp), [ON()], 'on connect: the enabled domain only')
    fake.sent.length = 0

    fake.emit(probe('fm100@off.example.com'))
    t.strictSame(await sentWithin(fake, 0), [], 'a probe for the disabled domain is not answered')
    // The same probe once the domain is enabled again: answered (so only the flag decided).
    await db.updateTable('domains').set({ enabled: true }).where('name', '=', 'off.example.com').execute()
    fake.emit(probe('fm100@off.example.com'))
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(fake.sent.map(lamp), [ON('off.example.com')], 'enabled: answered')
  })
})
