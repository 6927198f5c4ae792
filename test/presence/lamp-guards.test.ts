import { PassThrough } from 'node:stream'
import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { sentWithin } from '../helpers/event-waits.js'
import { LAMP_DOMAIN, OFF, ON, eventSocketOf, lampOf, lampSocket, presenceProbe } from '../helpers/lamps.js'
import { operator } from '../helpers/operator.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'

// The lamp's guards that no other test reaches: the database listener
// coming back after Postgres drops it (the lamps are sent again, and SQL
// edits are followed after it), and disabled domains (no lamp answered or
// resent). Against the fake event socket, which speaks mod_event_socket's
// protocol; the PRESENCE_IN fields are facts §9.4's.

const D = LAMP_DOMAIN

eachDatabase(t, async (t, database) => {
  const { db } = database
  const fake = await lampSocket(t)
  const eventSocket = () => eventSocketOf(fake)
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
    await until('connected to the event socket', 5000, () => app.presence?.connected === true)
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(fake.sent.map(lampOf), [OFF()], 'every lamp on connect')
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

    await until('a new listening connection', 10_000, async () => (await listeners()).some((pid) => !before.includes(pid)))
    await fake.waitFor((sent) => sent.some((e) => lampOf(e).rpid === 'active'), 10_000)
    t.strictSame(fake.sent.map(lampOf).at(-1), ON(), 'the change made meanwhile is sent')
    // The log line follows the lamps it reports: wait for it rather than race it.
    await until('the resync logged', 5000, () => logs.some((l) => l.msg === 'lamps sent again'))
    t.ok(
      logs.some((l) => l.msg === 'lamps sent again' && l.why === 'database listener reconnected'),
      'sent by the resync that follows the reconnect',
    )

    fake.sent.length = 0
    await psql.query('update follow_me set enabled = false')
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(fake.sent.map(lampOf), [OFF()], 'an SQL edit after the reconnect relights the lamp')
  })

  t.test('a disabled domain: no lamp on connect, none answered to a probe', async (t) => {
    await seed(D, true)
    await seed('off.example.com', true, false)
    const app = await buildApp(t, database, eventSocket())
    await until('connected to the event socket', 5000, () => app.presence?.connected === true)
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame((await sentWithin(fake, 1)).map(lampOf), [], 'nothing more on connect')
    t.strictSame(fake.sent.map(lampOf), [ON()], 'on connect: the enabled domain only')
    fake.sent.length = 0

    fake.emit(presenceProbe('fm100@off.example.com'))
    t.strictSame(await sentWithin(fake, 0), [], 'a probe for the disabled domain is not answered')
    // The same probe once the domain is enabled again: answered (so only the flag decided).
    await db.updateTable('domains').set({ enabled: true }).where('name', '=', 'off.example.com').execute()
    fake.emit(presenceProbe('fm100@off.example.com'))
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(fake.sent.map(lampOf), [ON('off.example.com')], 'enabled: answered')
  })
})
