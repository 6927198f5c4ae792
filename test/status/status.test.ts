import { sql, type Kysely } from 'kysely'
import t, { type Test } from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import * as esl from '../helpers/esl-events.js'
import { FakeEventSocket } from '../helpers/fake-event-socket.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'

// The live status end to end: a fake FreeSWITCH event socket (the real
// framing) sends sofia and channel events; the rows and the views are read
// back with SQL, as an operator would.

const DOMAIN = 'pbx.example.com'
const phoneA: esl.Phone = { extension: '100', domain: DOMAIN, callId: 'call-a@192.0.2.10', ip: '192.0.2.10', port: '5062', userAgent: 'Yealink SIP-T46S 66.86.0.15' }
const phoneB: esl.Phone = { extension: '100', domain: DOMAIN, callId: 'call-b@198.51.100.7', ip: '198.51.100.7', port: '5060', userAgent: 'Linphone/5.2 (belle-sip)' }
const phone101: esl.Phone = { extension: '101', domain: DOMAIN, callId: 'call-101@192.0.2.11', ip: '192.0.2.11', port: '5060', userAgent: 'Grandstream GXP2170' }

const statusOf = async (db: Kysely<DB>, extension: string) =>
  db.selectFrom('extension_status').selectAll().where('domain', '=', DOMAIN).where('extension', '=', extension).executeTakeFirstOrThrow()

const historyOf = async (db: Kysely<DB>, extension: string) =>
  (
    await db
      .selectFrom('registration_events as v')
      .innerJoin('extensions as e', 'e.id', 'v.extension_id')
      .select(['v.kind', 'v.reason', 'v.node', 'v.call_id'])
      .where('e.extension', '=', extension)
      .orderBy('v.id')
      .execute()
  ).map((r) => `${r.kind} ${r.reason} ${r.node} ${r.call_id ?? '-'}`)

function node(fake: FakeEventSocket): esl.NodeIdentity {
  return { switchname: fake.switchname, coreUuid: fake.coreUuid }
}

/** The node answers bgapi with these lists. */
function lists(fake: FakeEventSocket, phones: Parameters<typeof esl.xmlstatusRegistrations>[1], legs: Parameters<typeof esl.showChannels>[0] = []) {
  fake.api.set('sofia xmlstatus', esl.xmlstatusProfiles(node(fake)))
  fake.api.set('sofia xmlstatus profile internal reg', esl.xmlstatusRegistrations(node(fake), phones))
  fake.api.set('show channels as json', esl.showChannels(legs))
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const seed = async () => {
    const d = await insertDomain(db, DOMAIN)
    for (const ext of ['100', '101', '102']) await insertExtension(db, d, ext)
  }

  const start = async (t: Test, fakes: FakeEventSocket[]) => {
    const app = await buildApp(
      t,
      database,
      { eventSockets: fakes.map((f) => ({ host: '127.0.0.1', port: f.port, password: 'ClueCon' })) },
      undefined,
      { statusTuning: { flushMs: 5, pruneEveryMs: 200 } },
    )
    // Connected, subscribed and listed (the resync's bgapi answered).
    await until('every node listed', 3000, async () => app.status?.listedNodes === fakes.length && !app.status.listing)
    await app.status?.writer.flush()
    return app
  }
  const fakeNode = async (t: Test, switchname: string) => {
    const fake = new FakeEventSocket('ClueCon')
    fake.switchname = switchname
    lists(fake, [])
    await fake.start()
    t.teardown(() => fake.stop())
    return fake
  }
  const send = async (app: Awaited<ReturnType<typeof start>>, fake: FakeEventSocket, ...events: esl.Headers[]) => {
    for (const e of events) fake.emit(e)
    // The events are on their way; wait until they were queued and written.
    await until('events written', 3000, async () => {
      await new Promise((r) => setTimeout(r, 20))
      return app.status?.listing === false && app.status.writer.pending === 0
    })
    await app.status?.writer.flush()
  }

  t.test('register, refresh, second phone, unregister, socket disconnection, expire: rows, view and history', async (t) => {
    await seed()
    const fs1 = await fakeNode(t, 'fs1')
    const app = await start(t, [fs1])
    t.equal((await statusOf(db, '100')).status, 'offline')

    const sentAt = Date.now()
    fs1.emit(esl.register(node(fs1), phoneA))
    const online = await until('100 online', 1000, async () => ((await statusOf(db, '100')).status === 'online' ? Date.now() : undefined))
    t.ok(online - sentAt < 1000, `online within 1 s (${online - sentAt} ms)`)
    const row = await db.selectFrom('registrations').selectAll().executeTakeFirstOrThrow()
    t.match(row, {
      node: 'fs1',
      profile: 'internal',
      call_id: phoneA.callId,
      contact: `"100" <sip:100@192.0.2.10:5062>`,
      user_agent: phoneA.userAgent,
      network_ip: '192.0.2.10',
      network_port: 5062,
      transport: 'udp',
    })
    t.ok(Math.abs(row.expires_at.getTime() - (Date.now() + 3600_000)) < 5000, 'expires in the granted 3600 s')

    await new Promise((r) => setTimeout(r, 20))
    await send(app, fs1, esl.register(node(fs1), phoneA, { 'user-agent': 'Yealink SIP-T46S 66.86.0.20' }))
    const refreshed = await db.selectFrom('registrations').selectAll().executeTakeFirstOrThrow()
    t.equal(refreshed.id, row.id, 'a refresh updates the same row')
    t.ok(refreshed.last_refreshed > row.last_refreshed, 'last_refreshed moved')
    t.equal(refreshed.first_seen.getTime(), row.first_seen.getTime(), 'first_seen kept')
    t.equal(refreshed.user_agent, 'Yealink SIP-T46S 66.86.0.20')

    await send(app, fs1, esl.register(node(fs1), phoneB, { status: 'Registered(TLS-NAT)' }))
    t.match(await statusOf(db, '100'), { status: 'online', phones: '2' })
    t.equal((await db.selectFrom('registrations').select('transport').where('call_id', '=', phoneB.callId).executeTakeFirstOrThrow()).transport, 'tls')

    await send(app, fs1, esl.unregister(node(fs1), phoneA))
    t.match(await statusOf(db, '100'), { status: 'online', phones: '1' })
    await send(app, fs1, esl.socketDisconnection(node(fs1), phoneB))
    t.match(await statusOf(db, '100'), { status: 'offline', phones: '0' })

    await send(app, fs1, esl.register(node(fs1), phoneA))
    await send(app, fs1, esl.expire(node(fs1), phoneA))
    t.equal((await statusOf(db, '100')).status, 'offline')

    t.strictSame(await historyOf(db, '100'), [
      `online registered fs1 ${phoneA.callId}`,
      `online registered fs1 ${phoneB.callId}`,
      `offline unregistered fs1 ${phoneA.callId}`,
      `offline socket-disconnection fs1 ${phoneB.callId}`,
      `online registered fs1 ${phoneA.callId}`,
      `expired expired fs1 ${phoneA.callId}`,
    ], 'every transition, no refresh')
    t.match(await db.selectFrom('extension_flaps').selectAll().where('extension', '=', '100').executeTakeFirstOrThrow(), {
      transitions: '6',
      online: '3',
      offline: '2',
      expired: '1',
      failed_auth: '0',
    })
    t.ok((await statusOf(db, '100')).last_change !== null)
  })

  t.test('users that are not our extensions, unknown subclasses and malformed events are not stored', async (t) => {
    await seed()
    const fs1 = await fakeNode(t, 'fs1')
    const app = await start(t, [fs1])
    const stranger = { ...phoneA, extension: '999', callId: 'stranger' }
    const otherDomain = { ...phoneA, domain: 'other.example.com', callId: 'elsewhere' }
    fs1.emit(esl.register(node(fs1), stranger))
    fs1.emit(esl.register(node(fs1), otherDomain))
    fs1.emit({ ...esl.register(node(fs1), phoneA), 'Event-Subclass': 'sofia::gateway_state' })
    fs1.emit({ ...esl.register(node(fs1), phoneA), expires: 'soon' })
    fs1.emit({ ...esl.register(node(fs1), phoneA), 'call-id': '' })
    const { 'FreeSWITCH-Switchname': _, ...anonymous } = esl.register(node(fs1), phoneA)
    fs1.emit(anonymous)
    const broken = Buffer.from('{"Event-Name":"CUSTOM","Event-Subclass":"sofia::register",')
    fs1.emitFrame(Buffer.concat([Buffer.from(`Content-Length: ${broken.length}\nContent-Type: text/event-json\n\n`), broken]))
    // Still connected and still working afterwards.
    await send(app, fs1, esl.register(node(fs1), phone101))
    const rows = await db.selectFrom('registrations').select(['call_id']).execute()
    t.strictSame(rows, [{ call_id: phone101.callId }], 'only the extension of ours')
    t.equal((await statusOf(db, '101')).status, 'online')
    t.ok(app.presence?.connected, 'the connection survived the broken frame')
  })

  t.test('failed registrations are counted per source address; our extensions see them in their history', async (t) => {
    await seed()
    const fs1 = await fakeNode(t, 'fs1')
    const app = await start(t, [fs1])
    await send(
      app,
      fs1,
      esl.registerFailure(node(fs1), '100', DOMAIN, '203.0.113.66'),
      esl.registerFailure(node(fs1), '101', DOMAIN, '203.0.113.66'),
      esl.registerFailure(node(fs1), 'admin', DOMAIN, '203.0.113.66'),
      esl.registerFailure(node(fs1), '100', DOMAIN, '203.0.113.66', 'INVITE'),
      esl.registerFailure(node(fs1), '102', DOMAIN, '192.0.2.99'),
    )
    const bySource = await sql<{ network_ip: string; attempts: string }>`
      SELECT network_ip::text AS network_ip, sum(attempts) AS attempts FROM registration_failures
       WHERE hour > now() - interval '1 hour' GROUP BY 1 ORDER BY 2 DESC`.execute(db)
    t.strictSame(bySource.rows, [
      { network_ip: '203.0.113.66/32', attempts: '4' },
      { network_ip: '192.0.2.99/32', attempts: '1' },
    ])
    t.match(await db.selectFrom('registration_failures').selectAll().where(sql`network_ip`, '=', '203.0.113.66').executeTakeFirstOrThrow(), {
      node: 'fs1',
      last_user: '100',
      last_request: 'INVITE',
      last_user_agent: 'friendly-scanner',
    })
    t.strictSame(await historyOf(db, '100'), ['failed_auth forbidden fs1 -', 'failed_auth forbidden fs1 -'])
    t.match(await db.selectFrom('extension_flaps').selectAll().where('extension', '=', '100').executeTakeFirstOrThrow(), { transitions: '0', failed_auth: '2' })
  })

  t.test('calls: ringing, then in use, on both legs; back to online at hangup', async (t) => {
    await seed()
    const fs1 = await fakeNode(t, 'fs1')
    const app = await start(t, [fs1])
    await send(app, fs1, esl.register(node(fs1), phoneA), esl.register(node(fs1), phone101))
    const aLeg: esl.Leg = { uuid: 'leg-a', direction: 'inbound', presence: `100@${DOMAIN}`, callUuid: 'leg-a', caller: '100', destination: '101' }
    const bLeg: esl.Leg = { uuid: 'leg-b', direction: 'outbound', presence: `101@${DOMAIN}`, callUuid: 'leg-a', caller: '100', destination: '101' }
    const carrier: esl.Leg = { uuid: 'leg-c', direction: 'outbound', presence: '+15555550100@198.51.100.1', callUuid: 'leg-a', caller: '100', destination: '+15555550100' }

    await send(app, fs1, esl.channel(node(fs1), 'CHANNEL_CREATE', aLeg), esl.channel(node(fs1), 'CHANNEL_CREATE', bLeg), esl.channel(node(fs1), 'CHANNEL_CREATE', carrier))
    t.match(await statusOf(db, '100'), { status: 'in use', active_calls: '1' }, 'the caller is dialling')
    t.match(await statusOf(db, '101'), { status: 'ringing', ringing_calls: '1' })
    t.equal((await db.selectFrom('extension_channels').select('uuid').execute()).length, 2, 'the carrier leg is nobody\'s')

    await send(app, fs1, esl.channel(node(fs1), 'CHANNEL_ANSWER', bLeg), esl.channel(node(fs1), 'CHANNEL_ANSWER', aLeg))
    t.match(await statusOf(db, '101'), { status: 'in use', ringing_calls: '0', active_calls: '1' })
    t.match(await db.selectFrom('extension_channels').selectAll().where('uuid', '=', 'leg-b').executeTakeFirstOrThrow(), { direction: 'outbound', call_uuid: 'leg-a', other_party: '100' })

    await send(app, fs1, esl.channel(node(fs1), 'CHANNEL_HANGUP_COMPLETE', bLeg), esl.channel(node(fs1), 'CHANNEL_HANGUP_COMPLETE', aLeg), esl.channel(node(fs1), 'CHANNEL_HANGUP_COMPLETE', carrier))
    t.equal((await statusOf(db, '100')).status, 'online')
    t.equal((await statusOf(db, '101')).status, 'online')
    t.strictSame(await db.selectFrom('extension_channels').selectAll().execute(), [])
  })

  t.test('on connect the node is listed: stale rows go, odd user agents are kept as text, other nodes\' rows are not taken', async (t) => {
    await seed()
    const fs1 = new FakeEventSocket('ClueCon')
    fs1.switchname = 'fs1'
    await fs1.start()
    t.teardown(() => fs1.stop())
    // Left from before the service started: a phone that has gone since.
    const [ext100] = await db.selectFrom('extensions').select(['id', 'domain_id']).where('extension', '=', '100').execute()
    await db.insertInto('registrations').values({ domain_id: ext100!.domain_id, extension_id: ext100!.id, node: 'fs1', profile: 'internal', call_id: 'long-gone', contact: 'x', expires_at: new Date(Date.now() + 60_000) }).execute()
    const odd = [
      { ...phoneA, rawAgent: 'Acme &amp; Sons <phone> & co', userAgent: '' },
      { ...phoneB, rawAgent: 'Bell\u0007\u0001 \uFFFD\uFFFD model', userAgent: '' },
      { ...phone101, callId: 'on-fs2', host: 'fs2' },
    ]
    lists(fs1, odd, [{ uuid: 'up-1', direction: 'outbound', presence: `101@${DOMAIN}`, callUuid: 'c1', caller: '100', destination: '101', callstate: 'RINGING' }])
    await start(t, [fs1])
    const rows = await db.selectFrom('registrations').select(['call_id', 'user_agent', 'node']).orderBy('call_id').execute()
    t.strictSame(rows, [
      { call_id: phoneA.callId, user_agent: 'Acme & Sons <phone> & co', node: 'fs1' },
      { call_id: phoneB.callId, user_agent: 'Bell\uFFFD\uFFFD \uFFFD\uFFFD model', node: 'fs1' },
    ])
    t.strictSame(new Set(await historyOf(db, '100')), new Set(['offline gone at resync fs1 long-gone', `online listed at resync fs1 ${phoneA.callId}`, `online listed at resync fs1 ${phoneB.callId}`]))
    t.equal((await statusOf(db, '101')).status, 'ringing', 'the channel list too')
  })

  t.test('a node restart (new Core-UUID) and a reconnect list the node again', async (t) => {
    await seed()
    const fs1 = await fakeNode(t, 'fs1')
    lists(fs1, [phoneA])
    const app = await start(t, [fs1])
    t.equal((await statusOf(db, '100')).phones, '1')
    await send(app, fs1, esl.channel(node(fs1), 'CHANNEL_CREATE', { uuid: 'old-call', direction: 'inbound', presence: `100@${DOMAIN}`, callUuid: 'old-call', caller: '100', destination: '101' }))
    t.equal((await statusOf(db, '100')).status, 'in use')

    // FreeSWITCH restarted: a new run, phone A gone, phone B registered.
    const listed = fs1.commands.filter((c) => c === 'bgapi sofia xmlstatus').length
    fs1.coreUuid = '00000000-0000-4000-8000-000000000002'
    lists(fs1, [phoneB])
    fs1.emit(esl.register(node(fs1), phoneB))
    await until('listed again', 3000, async () => fs1.commands.filter((c) => c === 'bgapi sofia xmlstatus').length > listed && fs1.commands.at(-1) === 'bgapi show channels as json')
    await until('rows replaced', 3000, async () => {
      await app.status?.writer.flush()
      const rows = await db.selectFrom('registrations').select('call_id').execute()
      return rows.length === 1 && rows[0]?.call_id === phoneB.callId
    })
    t.match(await statusOf(db, '100'), { status: 'online', phones: '1' }, 'the old run\'s call is gone')

    // The connection drops and comes back to a node whose list changed.
    const port = fs1.port
    await fs1.stop()
    lists(fs1, [phoneA, phoneB])
    await fs1.start(port)
    await until('reconnected and listed', 6000, async () => {
      await app.status?.writer.flush()
      return (await statusOf(db, '100')).phones === '2'
    })
    t.pass('resynced after the reconnect')
  })

  t.test('two nodes at once: every row carries its node, lamps go to both', async (t) => {
    await seed()
    const fs1 = await fakeNode(t, 'fs1')
    const fs2 = await fakeNode(t, 'fs2')
    const [ext100] = await db.selectFrom('extensions').select('id').where('extension', '=', '100').execute()
    await db.insertInto('follow_me').values({ extension_id: ext100!.id, enabled: false }).execute()
    const app = await start(t, [fs1, fs2])
    await send(app, fs1, esl.register(node(fs1), phoneA))
    await send(app, fs2, esl.register(node(fs2), phoneB), esl.register(node(fs2), { ...phoneA }))
    const rows = await db.selectFrom('registrations').select(['node', 'call_id']).orderBy('node').orderBy('call_id').execute()
    t.strictSame(rows, [
      { node: 'fs1', call_id: phoneA.callId },
      { node: 'fs2', call_id: phoneA.callId },
      { node: 'fs2', call_id: phoneB.callId },
    ], 'the same Call-ID on two nodes is two rows')
    const status = await statusOf(db, '100')
    t.match(status, { status: 'online', phones: '3' })
    t.strictSame([...(status.nodes ?? [])].sort(), ['fs1', 'fs2'])

    // An expire from fs2 for fs1's row (shared sofia database) removes nothing of fs1.
    await send(app, fs2, esl.expire(node(fs2), { ...phoneA, callId: 'not-on-fs2' }))
    t.equal((await statusOf(db, '100')).phones, '3')

    fs1.sent.length = 0
    fs2.sent.length = 0
    await db.updateTable('follow_me').set({ enabled: true }).execute()
    await fs1.waitFor((sent) => sent.length >= 1)
    await fs2.waitFor((sent) => sent.length >= 1)
    t.equal(fs1.sent[0]?.headers.from, `fm100@${DOMAIN}`)
    t.equal(fs2.sent[0]?.headers.from, `fm100@${DOMAIN}`)
    t.strictSame(app.presence?.connections(), { [`127.0.0.1:${fs1.port}`]: true, [`127.0.0.1:${fs2.port}`]: true })
  })

  t.test('history older than REGISTRATION_HISTORY_HOURS is pruned', async (t) => {
    await seed()
    const [ext] = await db.selectFrom('extensions').select(['id', 'domain_id']).where('extension', '=', '100').execute()
    const old = new Date(Date.now() - 25 * 3600_000)
    for (let i = 0; i < 3; i++) {
      await db.insertInto('registration_events').values({ domain_id: ext!.domain_id, extension_id: ext!.id, at: old, kind: 'online', reason: 'registered', node: 'fs1' }).execute()
    }
    await db.insertInto('registration_events').values({ domain_id: ext!.domain_id, extension_id: ext!.id, kind: 'offline', reason: 'unregistered', node: 'fs1' }).execute()
    await sql`INSERT INTO registration_failures VALUES ('192.0.2.1', date_trunc('hour', now() - interval '30 hours'), 'fs1', 5, now() - interval '30 hours', now() - interval '30 hours')`.execute(db)
    const fs1 = await fakeNode(t, 'fs1')
    await start(t, [fs1])
    await until('pruned', 3000, async () => (await db.selectFrom('registration_events').select('kind').execute()).length === 1)
    t.strictSame(await db.selectFrom('registration_events').select('kind').execute(), [{ kind: 'offline' }])
    t.strictSame(await db.selectFrom('registration_failures').selectAll().execute(), [])
  })
})
