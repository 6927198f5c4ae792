import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { apiResponse, eventFrames } from '../helpers/esl-captures.js'
import { xmlstatusProfiles } from '../helpers/esl-events.js'
import { FakeEventSocket } from '../helpers/fake-event-socket.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'

// The frames a real FreeSWITCH 1.10.12 sent (test/fixtures/esl/README.md),
// replayed byte for byte through the fake event socket, in the order they
// happened; the rows and the views after each.

const DOMAIN = '127.0.0.1'
const frame = (name: string) => {
  const [only] = eventFrames(name)
  if (only === undefined) throw new Error(`no event in ${name}`)
  return only
}

const statusOf = async (db: Kysely<DB>, extension: string) =>
  db.selectFrom('extension_status').select(['status', 'phones']).where('domain', '=', DOMAIN).where('extension', '=', extension).executeTakeFirstOrThrow()

eachDatabase(t, async (t, database) => {
  const { db } = database

  t.test('registrations, failures, expiry and a call, as FreeSWITCH reported them', async (t) => {
    const d = await insertDomain(db, DOMAIN)
    for (const ext of ['100', '101', '102', '103']) await insertExtension(db, d, ext)
    const fake = new FakeEventSocket('ClueCon')
    const first = frame('005-CUSTOM-sofia_register.frame').event
    fake.switchname = String(first['FreeSWITCH-Switchname'])
    fake.coreUuid = String(first['Core-UUID'])
    // The profile list was not captured (written from mod_sofia.c); the registrations were.
    fake.api.set('sofia xmlstatus', xmlstatusProfiles({ switchname: fake.switchname, coreUuid: fake.coreUuid }))
    fake.api.set('sofia xmlstatus profile internal reg', apiResponse('sofia-xmlstatus-internal-reg.raw'))
    fake.api.set('show channels as json', apiResponse('show-channels-json-during-call.raw', 0))
    await fake.start()
    t.teardown(() => fake.stop())
    const app = await buildApp(t, database, { eventSockets: [{ host: '127.0.0.1', port: fake.port, password: 'ClueCon' }] }, undefined, { statusTuning: { flushMs: 5 } })
    const settled = async () => {
      await until('written', 3000, async () => {
        await new Promise((r) => setTimeout(r, 20))
        return app.status?.listing === false && app.status.writer.pending === 0
      })
      await app.status?.writer.flush()
    }
    await until('listed', 3000, async () => fake.commands.includes('bgapi show channels as json'))
    await settled()

    // The list at connect: 101 and 102 with odd user agents (a raw 0xE9 byte, a
    // control character, amp-encoded & < > "), 103.
    const listed = await db.selectFrom('registrations as r').innerJoin('extensions as e', 'e.id', 'r.extension_id').select(['e.extension', 'r.user_agent', 'r.node', 'r.network_port']).orderBy('e.extension').execute()
    t.strictSame(listed, [
      { extension: '101', user_agent: 'Odd&UA <x> caf\uFFFD ctl\uFFFDend', node: 'vm', network_port: 15101 },
      { extension: '102', user_agent: 'Amp&Lt<Gt>"Quote"', node: 'vm', network_port: 15102 },
      { extension: '103', user_agent: 'capture-ua', node: 'vm', network_port: 15103 },
    ])

    const replay = async (name: string) => {
      fake.emitFrame(frame(name).raw)
      await settled()
    }
    await replay('005-CUSTOM-sofia_register.frame')
    t.strictSame(await statusOf(db, '100'), { status: 'online', phones: '1' }, 'REGISTER 100')
    t.match(await db.selectFrom('registrations').selectAll().where('call_id', '=', 'f053b19eac3544fb@127.0.0.1').executeTakeFirstOrThrow(), {
      contact: '"" <sip:100@127.0.0.1:15100;transport=udp>',
      user_agent: 'Capture-UA/1.0',
      transport: 'udp',
      network_ip: '127.0.0.1',
    })
    await replay('007-CUSTOM-sofia_unregister.frame')
    t.strictSame(await statusOf(db, '100'), { status: 'offline', phones: '0' }, 'un-REGISTER (Expires: 0)')

    await replay('009-CUSTOM-sofia_register_failure.frame')
    await replay('011-CUSTOM-sofia_register_failure.frame')
    const failures = await db.selectFrom('registration_failures').select(['attempts', 'node', 'last_request']).execute()
    t.strictSame(failures, [{ attempts: 2, node: 'vm', last_request: 'REGISTER' }], 'wrong password (101) and unknown user (999), one source address')

    const before = await db.selectFrom('registration_events').select('id').execute()
    await replay('013-CUSTOM-sofia_register.frame')
    await replay('015-CUSTOM-sofia_register.frame')
    await replay('017-CUSTOM-sofia_register.frame')
    t.equal((await db.selectFrom('registration_events').select('id').execute()).length, before.length, 'refreshes of listed phones are no transitions')
    t.equal((await db.selectFrom('registrations').select('user_agent').where('network_port', '=', 15101).executeTakeFirstOrThrow()).user_agent, 'Odd&UA <x> caf\uFFFD ctl\uFFFDend', 'the JSON event\'s odd user agent, as text')

    await replay('020-CUSTOM-sofia_register.frame')
    t.match(await db.selectFrom('registrations').select(['transport', 'network_port']).where('call_id', '=', '3d81a3f238008fcd@127.0.0.1').executeTakeFirstOrThrow(), { transport: 'tcp', network_port: 15120 }, 'REGISTER 100 over TCP')
    await replay('021-CUSTOM-sofia_unregister.frame')
    t.strictSame(await statusOf(db, '100'), { status: 'offline', phones: '0' }, 'the TCP connection closed')
    await replay('023-CUSTOM-sofia_expire.frame')
    t.strictSame(await statusOf(db, '103'), { status: 'offline', phones: '0' }, '103 expired')

    const history = await db
      .selectFrom('registration_events as v')
      .innerJoin('extensions as e', 'e.id', 'v.extension_id')
      .select(['e.extension', 'v.kind', 'v.reason'])
      .orderBy('v.id')
      .execute()
    t.strictSame(history.map((h) => `${h.extension} ${h.kind} ${h.reason}`).filter((h) => !h.endsWith('listed at resync')), [
      '100 online registered',
      '100 offline unregistered',
      '101 failed_auth forbidden',
      '100 online registered',
      '100 offline socket-disconnection',
      '103 expired expired',
    ])

    // A call 100 -> 101: both legs created, answered, hung up.
    const call = eventFrames('channels-call-100-to-101.json.raw').filter((f) => String(f.event['Event-Name']).startsWith('CHANNEL_'))
    t.equal(call.length, 6)
    const step = async (n: number) => {
      fake.emitFrame(call[n]!.raw)
      await settled()
    }
    await step(0)
    await step(1)
    t.match(await statusOf(db, '100'), { status: 'in use' }, 'the caller dials')
    t.match(await statusOf(db, '101'), { status: 'ringing' }, 'the callee rings')
    await step(2)
    await step(3)
    t.match(await statusOf(db, '101'), { status: 'in use' }, 'answered')
    await step(4)
    await step(5)
    t.match(await statusOf(db, '101'), { status: 'online' }, 'hung up: back to online')
    t.match(await statusOf(db, '100'), { status: 'offline' })
    t.strictSame(await db.selectFrom('extension_channels').selectAll().execute(), [])
  })
})
