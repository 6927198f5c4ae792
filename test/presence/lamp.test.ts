import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { sentWithin } from '../helpers/event-waits.js'
import type { SentEvent } from '../helpers/fake-event-socket.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { eventSocketOf, fmOff, fmOn, lampSocket, presenceProbe } from '../helpers/lamps.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// The lamp over the event socket, against a fake FreeSWITCH that speaks
// mod_event_socket's protocol. Expected headers: facts §9.4, written out in
// ../helpers/lamps.ts.

/** The event as FreeSWITCH would read it: our headers, plus the Content-Length drachtio-modesl adds. */
const presence = (events: SentEvent[]) =>
  events.map((e) => {
    const { 'Content-Length': length, ...headers } = e.headers
    return { name: e.name, length, headers }
  })

eachDatabase(t, async (t, database) => {
  const { db } = database
  const fake = await lampSocket(t)
  const port = fake.port

  const app = async (t: Parameters<typeof buildApp>[0], more: Partial<Parameters<typeof buildApp>[2]> = {}) => {
    const built = await buildApp(t, database, { ...eventSocketOf(fake), ...more })
    const deadline = Date.now() + 3000
    while (!built.presence?.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    t.ok(built.presence?.connected, 'connected to the event socket')
    return built
  }
  const seed = async (enabled: boolean) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    await insertExtension(db, d, '101')
    await db.insertInto('follow_me').values({ extension_id: e, enabled }).execute()
  }

  t.test('after *21 and after an SQL UPDATE, the lamp follows within a second', async (t) => {
    await seed(false)
    const service = await app(t)
    await fake.waitFor((sent) => sent.length >= 1) // the resync on connect
    t.strictSame(presence(fake.sent), [{ name: 'PRESENCE_IN', length: '0', headers: fmOff() }], 'every lamp is sent on connect')
    fake.sent.length = 0

    const body = rewrite(fixture('dialplan-invite-feature-code.txt'), {
      'Hunt-Context': 'pbx.example.com',
      'Caller-Context': 'pbx.example.com',
      variable_domain_name: 'pbx.example.com',
      variable_user_name: '100',
      'Unique-ID': 'call-1',
      'Caller-Unique-ID': 'call-1',
    })
    const res = await service.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.equal(dialplanOf(parseXml(res.body)).actions[0]?.[0], 'event', 'the dialplan sets the lamp too')
    const started = Date.now()
    await fake.waitFor((sent) => sent.length >= 1, 1000)
    t.ok(Date.now() - started < 1000)
    t.strictSame(presence(fake.sent), [{ name: 'PRESENCE_IN', length: '0', headers: fmOn() }])

    fake.sent.length = 0
    await db.updateTable('follow_me').set({ enabled: false }).execute()
    await fake.waitFor((sent) => sent.length >= 1, 1000)
    t.strictSame(presence(fake.sent), [{ name: 'PRESENCE_IN', length: '0', headers: fmOff() }], 'an operator UPDATE relights it')
  })

  t.test('PRESENCE_PROBE is answered with the current state, for the right tenant', async (t) => {
    await seed(true)
    const other = await insertDomain(db, 'other.example.com')
    await insertExtension(db, other, '100')
    await app(t)
    await fake.waitFor((sent) => sent.length >= 1)
    fake.sent.length = 0

    fake.emit(presenceProbe('fm100@pbx.example.com'))
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(presence(fake.sent), [{ name: 'PRESENCE_IN', length: '0', headers: fmOn() }])
    fake.sent.length = 0
    fake.emit(presenceProbe('fm100@other.example.com')) // no follow_me row there: off
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(presence(fake.sent), [{ name: 'PRESENCE_IN', length: '0', headers: fmOff('other.example.com') }])

    fake.sent.length = 0
    fake.emit(presenceProbe('fm100@192.0.2.10')) // an address, no default domain: ignored
    fake.emit(presenceProbe('fm999@pbx.example.com')) // no such extension
    fake.emit(presenceProbe('100@pbx.example.com')) // not a Follow Me lamp
    fake.emit(presenceProbe('fm100@pbx.example.com', { expires: '0' })) // unsubscribe
    t.strictSame(await sentWithin(fake, 0), [], 'nothing answered (within as long as an answer is waited for)')
  })

  t.test('a default domain maps probes at an address, and its lamps follow there too', async (t) => {
    await seed(true)
    await app(t, { presenceDefaultDomain: 'pbx.example.com' })
    await fake.waitFor((sent) => sent.length >= 1)
    fake.sent.length = 0
    fake.emit(presenceProbe('fm100@192.0.2.10'))
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(presence(fake.sent), [{ name: 'PRESENCE_IN', length: '0', headers: fmOn('192.0.2.10') }])
    fake.sent.length = 0
    await db.updateTable('follow_me').set({ enabled: false }).execute()
    await fake.waitFor((sent) => sent.length >= 2)
    t.strictSame(presence(fake.sent).map((e) => e.headers.from), ['fm100@pbx.example.com', 'fm100@192.0.2.10'])
  })

  t.test('lookups go on while the event socket is down, and it comes back by itself', async (t) => {
    await seed(true)
    const service = await app(t)
    await fake.stop() // FreeSWITCH restarts
    const started = Date.now()
    const res = await service.inject({ method: 'GET', url: '/healthz' })
    t.equal(res.statusCode, 200)
    const call = rewrite(fixture('dialplan-invite-extension.txt'), { 'Hunt-Context': 'pbx.example.com', variable_domain_name: 'pbx.example.com', variable_user_name: '101', 'Hunt-Destination-Number': '100' })
    const lookup = await service.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: call })
    t.equal(lookup.statusCode, 200)
    t.ok(Date.now() - started < 500, 'not slowed down')
    const down = Date.now() + 3000
    while (service.presence?.connected && Date.now() < down) await new Promise((r) => setTimeout(r, 10))
    t.notOk(service.presence?.connected, 'it noticed')
    await db.updateTable('follow_me').set({ enabled: false }).execute() // while it is down
    fake.sent.length = 0
    await fake.start(port)
    const deadline = Date.now() + 5000
    while (!service.presence?.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    t.ok(service.presence?.connected, 'reconnected')
    await fake.waitFor((sent) => sent.length >= 1)
    t.strictSame(presence(fake.sent), [{ name: 'PRESENCE_IN', length: '0', headers: fmOff() }], 'the change made meanwhile is sent')
  })

  t.test('a wrong password is reported, not fatal', async (t) => {
    await seed(true)
    const service = await buildApp(t, database, eventSocketOf(fake, 'wrong'))
    // A stop while a reconnect is in flight is test/presence/event-socket-stop.test.ts.
    await new Promise((r) => setTimeout(r, 300))
    t.notOk(service.presence?.connected)
    t.strictSame(fake.sent, [], 'nothing sent')
    t.equal((await service.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  })
})
