import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import type { SentEvent } from '../helpers/fake-event-socket.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { eventSocketOf, LAMP_DOMAIN, lampSocket, presenceProbe } from '../helpers/lamps.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// The dnd<EXT> and cf<EXT> lamps over the event socket, against the fake
// FreeSWITCH that speaks mod_event_socket's protocol: lit on every change
// path (feature code, SQL), answered on PRESENCE_PROBE, sent again after a
// reconnect. Expected headers: the fm<EXT> recipe of facts §9.4 with the
// lamp's own name, written out.

const D = LAMP_DOMAIN
const lamp = (name: string, on: boolean) => ({
  'Event-Name': 'PRESENCE_IN',
  proto: 'sip',
  from: `${name}@${D}`,
  login: `${name}@${D}`,
  status: 'Active',
  rpid: on ? 'active' : 'unknown',
  event_type: 'presence',
  alt_event_type: 'dialog',
  event_count: '1',
  'unique-id': name,
  'channel-state': on ? 'CS_ROUTING' : 'CS_HANGUP',
  'answer-state': on ? 'confirmed' : 'terminated',
  'presence-call-direction': 'inbound',
})
const headersOf = (events: SentEvent[]) => events.map((e) => {
  const { 'Content-Length': _length, ...headers } = e.headers
  return headers
})

eachDatabase(t, async (t, database) => {
  const { db } = database
  const fake = await lampSocket(t)
  const app = async (t: Parameters<typeof buildApp>[0]) => {
    const built = await buildApp(t, database, eventSocketOf(fake))
    const deadline = Date.now() + 3000
    while (!built.presence?.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    t.ok(built.presence?.connected, 'connected to the event socket')
    return built
  }
  const seed = async () => {
    const d = await insertDomain(db, D)
    const e100 = await insertExtension(db, d, '100')
    await insertExtension(db, d, '101')
    return e100
  }

  t.test('*78 and an SQL UPDATE light and unlight the lamps within a second', async (t) => {
    const e100 = await seed()
    await db.insertInto('call_forwarding').values({ extension_id: e100, forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '101' }).execute()
    const service = await app(t)
    await fake.waitFor((sent) => sent.length >= 2) // the resync on connect
    t.strictSame(headersOf(fake.sent), [lamp('dnd100', false), lamp('cf100', true)], 'both lamps of every row are sent on connect')
    fake.sent.length = 0

    const body = rewrite(fixture('dialplan-invite-feature-code.txt'), {
      'Hunt-Context': D,
      'Caller-Context': D,
      'Hunt-Destination-Number': '*78',
      variable_domain_name: D,
      variable_user_name: '100',
      'Unique-ID': 'call-1',
      'Caller-Unique-ID': 'call-1',
    })
    const res = await service.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.strictSame(dialplanOf(parseXml(res.body)).actions.map(([app]) => app).slice(0, 2), ['event', 'event'], 'the dialplan sets both lamps too')
    const started = Date.now()
    await fake.waitFor((sent) => sent.length >= 2, 1000)
    t.ok(Date.now() - started < 1000)
    t.strictSame(headersOf(fake.sent), [lamp('dnd100', true), lamp('cf100', false)], 'DND on, forward all off')

    fake.sent.length = 0
    await db.updateTable('call_forwarding').set({ forward_all_enabled: true }).execute()
    await fake.waitFor((sent) => sent.length >= 2, 1000)
    t.strictSame(headersOf(fake.sent), [lamp('dnd100', false), lamp('cf100', true)], 'an operator UPDATE relights them')
  })

  t.test('PRESENCE_PROBE for dnd<EXT> and cf<EXT> is answered from the rows', async (t) => {
    const e100 = await seed()
    await db.insertInto('call_forwarding').values({ extension_id: e100, do_not_disturb: true }).execute()
    await app(t)
    await fake.waitFor((sent) => sent.length >= 2)
    fake.sent.length = 0
    fake.emit(presenceProbe(`dnd100@${D}`))
    await fake.waitFor((sent) => sent.length >= 1)
    fake.emit(presenceProbe(`cf100@${D}`))
    await fake.waitFor((sent) => sent.length >= 2)
    fake.emit(presenceProbe(`dnd101@${D}`)) // no row: off
    await fake.waitFor((sent) => sent.length >= 3)
    t.strictSame(headersOf(fake.sent), [lamp('dnd100', true), lamp('cf100', false), lamp('dnd101', false)])
    fake.sent.length = 0
    fake.emit(presenceProbe(`dnd999@${D}`))
    fake.emit(presenceProbe(`dnd+100@${D}`))
    await new Promise((r) => setTimeout(r, 300))
    t.strictSame(fake.sent, [], 'no such extension, or another family: nothing')
  })

  t.test('a change made while the event socket was down is sent after it reconnects', async (t) => {
    const e100 = await seed()
    const service = await app(t)
    await fake.stop()
    const down = Date.now() + 3000
    while (service.presence?.connected && Date.now() < down) await new Promise((r) => setTimeout(r, 10))
    await db.insertInto('call_forwarding').values({ extension_id: e100, do_not_disturb: true }).execute()
    fake.sent.length = 0
    await fake.start(fake.port) // the same port: the service reconnects there
    await fake.waitFor((sent) => sent.some((e) => e.headers.from === `dnd100@${D}`) && sent.some((e) => e.headers.from === `cf100@${D}`), 5000)
    t.strictSame(headersOf(fake.sent.filter((e) => e.headers.from !== undefined && /^(dnd|cf)/.test(e.headers.from))), [lamp('dnd100', true), lamp('cf100', false)])
  })
})
