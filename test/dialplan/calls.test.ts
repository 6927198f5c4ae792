import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dataOf, dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { at, isNotFound, parseXml } from '../helpers/xml.js'

// Calls routed from the rows, through the real route, with the dialplan
// requests FreeSWITCH sent (rewritten per call). Expected dial strings are
// written out by hand from facts §9's measured form.

const D = 'pbx.example.com'

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  const alice = await insertExtension(db, d, '100', {
    display_name: 'Alice',
    outbound_caller_id_name: 'Acme, Inc.',
    toll_allow: ['domestic'],
  })
  // Its caller ID number is one of the tenant's DIDs (migrations/0007).
  await db.insertInto('dids').values({ number: '15551230000', domain_id: d, extension_id: alice }).execute()
  await db.updateTable('extensions').set({ outbound_caller_id_number: '+15551230000' }).where('id', '=', alice).execute()
  await insertExtension(db, d, '101', { display_name: 'Bob', toll_allow: [] })
  await insertExtension(db, d, '102', { voicemail_enabled: false, ring_timeout_s: 15 })
  await db
    .insertInto('outbound_routes')
    .values([
      { domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' },
      { domain_id: d, priority: 20, pattern: '^\\+?44[0-9]+$', gateway: 'intl', toll_class: 'international' },
    ])
    .execute()
  await db.insertInto('dids').values({ number: '15555551000', domain_id: d, extension_id: alice }).execute()
  return { d, alice }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const app = await buildApp(t, database)
  const call = async (body: string) => {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.equal(res.statusCode, 200)
    return parseXml(res.body)
  }
  let ids: Awaited<ReturnType<typeof seed>>
  t.beforeEach(async () => {
    ids = await seed(db)
  })

  t.test('an extension without Follow Me: every registration for ring_timeout_s, then voicemail', async (t) => {
    const answer = dialplanOf(await call(callRequest({ context: D, from: '100', to: '101' })))
    t.equal(answer.context, D)
    t.equal(answer.expression, '^101$')
    t.strictSame(answer.actions, [
      ['set', 'hangup_after_bridge=true'],
      ['set', 'continue_on_fail=true'],
      ['ring_ready', undefined],
      ['bridge', '{ignore_early_media=true,originate_timeout=30,sip_invite_domain=pbx.example.com,presence_id=101@pbx.example.com}${sofia_contact(*/101@pbx.example.com)}'],
      ['answer', undefined],
      ['sleep', '1000'],
      ['voicemail', 'default pbx.example.com 101'],
    ])
    const noVoicemail = dialplanOf(await call(callRequest({ context: D, from: '100', to: '102' })))
    t.strictSame(noVoicemail.actions.slice(3), [
      ['bridge', '{ignore_early_media=true,originate_timeout=15,sip_invite_domain=pbx.example.com,presence_id=102@pbx.example.com}${sofia_contact(*/102@pbx.example.com)}'],
      ['hangup', 'NO_ANSWER'],
    ])
  })

  t.test('Follow Me follows the rows at call time', async (t) => {
    await db.insertInto('follow_me').values({ extension_id: ids.alice, enabled: true, ring_extension_first_s: 15 }).execute()
    await db
      .insertInto('follow_me_destinations')
      .values([
        { extension_id: ids.alice, position: 1, kind: 'extension', target: '101', ring_for_s: 15 },
        { extension_id: ids.alice, position: 2, kind: 'external', target: '+15555550100', delay_s: 2, ring_for_s: 20, confirm: true },
      ])
      .execute()
    const request = callRequest({ context: D, from: '101', to: '100' })
    const on = dialplanOf(await call(request))
    t.equal(
      dataOf(on, 'bridge'),
      '<ignore_early_media=true>' +
        '{originate_timeout=15,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}' +
        ':_:{originate_delay_start=15000,originate_timeout=15,sip_invite_domain=pbx.example.com,presence_id=101@pbx.example.com}${sofia_contact(*/101@pbx.example.com)}' +
        ':_:{originate_delay_start=32000,originate_timeout=40,leg_timeout=20,group_confirm_timeout=20,group_confirm_key=exec,' +
        'group_confirm_file=execute_extension followme_confirm XML followme_confirm,origination_caller_id_name=Bob,origination_caller_id_number=101}' +
        'sofia/gateway/carrier/+15555550100',
    )
    t.equal(dataOf(on, 'voicemail'), 'default pbx.example.com 100')

    // The operator switches it off in SQL: the next call rings the desk only.
    await db.updateTable('follow_me').set({ enabled: false }).execute()
    const off = dialplanOf(await call(request))
    t.equal(
      dataOf(off, 'bridge'),
      '{ignore_early_media=true,originate_timeout=30,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}',
    )
  })

  t.test('external numbers: the first permitted route, with the caller\'s outbound caller ID', async (t) => {
    const answer = dialplanOf(await call(callRequest({ context: D, from: '100', to: '+12125550123' })))
    t.strictSame(answer.actions, [
      ['set', 'hangup_after_bridge=true'],
      ['bridge', '{ignore_early_media=true,originate_timeout=120,origination_caller_id_name=Acme\\, Inc.,origination_caller_id_number=+15551230000}sofia/gateway/carrier/+12125550123'],
    ])
    const barred = dialplanOf(await call(callRequest({ context: D, from: '101', to: '12125550123' })))
    t.strictSame(barred.actions, [['hangup', 'OUTGOING_CALL_BARRED']], '101 has no domestic toll class')
    const noRoute = dialplanOf(await call(callRequest({ context: D, from: '100', to: '999' })))
    t.strictSame(noRoute.actions, [['hangup', 'NO_ROUTE_DESTINATION']])
    const intl = dialplanOf(await call(callRequest({ context: D, from: '100', to: '+442071234567' })))
    t.strictSame(intl.actions, [['hangup', 'OUTGOING_CALL_BARRED']])
  })

  t.test('only an authenticated extension of the context may call out', async (t) => {
    const unauthenticated = dialplanOf(await call(callRequest({ context: D, to: '+12125550123' })))
    t.strictSame(unauthenticated.actions, [['hangup', 'CALL_REJECTED']])
    // A spoofed From header (sip_from_user=100) without digest auth is nobody.
    const spoofed = callRequest({ context: D, to: '+12125550123', extra: { variable_sip_from_user: '100' } })
    t.strictSame(dialplanOf(await call(spoofed)).actions, [['hangup', 'CALL_REJECTED']])
    // Authenticated, but in another tenant: not an extension of this context.
    const otherTenant = callRequest({ context: D, from: '100', domain: 'other.example.com', to: '+12125550123' })
    t.strictSame(dialplanOf(await call(rewrite(otherTenant, { variable_user_context: D }))).actions, [['hangup', 'CALL_REJECTED']])
    // Anyone in the context may still ring a local extension.
    t.equal(dialplanOf(await call(callRequest({ context: D, to: '101' }))).expression, '^101$')
  })

  t.test('public: DIDs ring their extension; nothing else gets through', async (t) => {
    for (const dialled of ['15555551000', '+15555551000']) {
      const answer = dialplanOf(await call(callRequest({ context: 'public', domain: '127.0.0.1', to: dialled })))
      t.equal(answer.context, 'public')
      t.equal(answer.expression, `^${dialled.replace('+', '\\+')}$`)
      t.equal(dataOf(answer, 'bridge'), '{ignore_early_media=true,originate_timeout=30,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}')
    }
    for (const dialled of ['12125550123', '101', '*21']) {
      const answer = dialplanOf(await call(callRequest({ context: 'public', domain: '127.0.0.1', to: dialled })))
      t.strictSame(answer.actions, [['hangup', 'UNALLOCATED_NUMBER']], `${dialled} from a carrier`)
    }
    await db.updateTable('extensions').set({ enabled: false }).where('id', '=', ids.alice).execute()
    t.strictSame(dialplanOf(await call(callRequest({ context: 'public', to: '15555551000' }))).actions, [['hangup', 'UNALLOCATED_NUMBER']])
  })

  t.test('contexts the service does not own are not found', async (t) => {
    t.ok(isNotFound(await call(callRequest({ context: 'default', from: '100', to: '101' }))), 'vanilla default')
    t.ok(isNotFound(await call(callRequest({ context: 'nowhere.example.com', from: '100', to: '101' }))), 'unknown domain')
    t.ok(isNotFound(await call(fixture('dialplan-loopback-leg-from-bridge.txt'))), 'loopback leg in default')
    await db.updateTable('domains').set({ enabled: false }).execute()
    t.ok(isNotFound(await call(callRequest({ context: D, from: '100', to: '101' }))), 'disabled domain')
  })

  t.test('the context name comes back as FreeSWITCH sent it', async (t) => {
    const answer = dialplanOf(await call(callRequest({ context: 'PBX.Example.com', domain: D, from: '100', to: '101' })))
    t.equal(answer.context, 'PBX.Example.com')
    t.equal(dataOf(answer, 'voicemail'), 'default pbx.example.com 101')
  })

  t.test('unknown numbers in a tenant context are rejected, not left to FreeSWITCH', async (t) => {
    for (const to of ['abc', '*99', '*2']) {
      t.strictSame(dialplanOf(await call(callRequest({ context: D, from: '100', to }))).actions, [['hangup', 'UNALLOCATED_NUMBER']], to)
    }
    // Digits that are no extension are an external number: no route matches 199.
    t.strictSame(dialplanOf(await call(callRequest({ context: D, from: '100', to: '199' }))).actions, [['hangup', 'NO_ROUTE_DESTINATION']])
    const garbage = rewrite(callRequest({ context: D, from: '100', to: '101' }), { 'Hunt-Destination-Number': '101,sofia/gateway/x/1' })
    t.ok(isNotFound(await call(garbage)), 'a destination outside the allowed characters is not routed at all')
  })

  t.test('no-answer transfers carry the chain, so they cannot loop', async (t) => {
    await db
      .insertInto('follow_me')
      .values({ extension_id: ids.alice, enabled: true, no_answer_action: 'transfer', no_answer_target: '101' })
      .execute()
    const first = dialplanOf(await call(callRequest({ context: D, to: '100' })))
    t.strictSame(first.actions.slice(-2), [
      ['set', 'followme_visited=100'],
      ['transfer', '101 XML pbx.example.com'],
    ])
    // The call comes back to 100 (say 101 forwards to it): Follow Me is not applied again.
    const again = dialplanOf(await call(callRequest({ context: D, to: '100', extra: { variable_followme_visited: '100,101' } })))
    t.equal(dataOf(again, 'bridge'), '{ignore_early_media=true,originate_timeout=30,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}')
    t.equal(dataOf(again, 'voicemail'), 'default pbx.example.com 100')
    t.equal(dataOf(again, 'transfer'), undefined)
  })

  t.test('a no-answer target that is no extension is dialled out under the called extension\'s toll classes', async (t) => {
    await db
      .insertInto('follow_me')
      .values({ extension_id: ids.alice, enabled: true, no_answer_action: 'transfer', no_answer_target: '+12125550123' })
      .execute()
    const answer = dialplanOf(await call(callRequest({ context: D, from: '101', to: '100' })))
    t.strictSame(answer.actions.slice(-2), [
      ['bridge', '{ignore_early_media=true,originate_timeout=30,origination_caller_id_name=Bob,origination_caller_id_number=101}sofia/gateway/carrier/+12125550123'],
      ['hangup', 'NO_ANSWER'],
    ])
    // 101 is an extension: a transfer, no outbound route involved.
    await db.updateTable('follow_me').set({ no_answer_target: '101' }).execute()
    const toExtension = dialplanOf(await call(callRequest({ context: D, from: '102', to: '100' })))
    t.equal(dataOf(toExtension, 'transfer'), '101 XML pbx.example.com')
  })

  t.test('the confirm context: 1 keeps the leg, anything else or silence hangs it up', async (t) => {
    const confirmCall = (to: string) =>
      callRequest({ context: 'followme_confirm', to, extra: { 'Caller-Source': 'mod_sofia' } })
    const prompt = dialplanOf(await call(confirmCall('followme_confirm')))
    t.equal(prompt.context, 'followme_confirm')
    t.strictSame(prompt.actions, [
      ['play_and_get_digits', '1 1 5 5000 # ivr/ivr-accept_reject.wav silence_stream://250 followme_confirm_digit \\d'],
      ['execute_extension', 'followme_confirm_${followme_confirm_digit} XML followme_confirm'],
    ])
    t.strictSame(dialplanOf(await call(confirmCall('followme_confirm_1'))).actions, [['log', 'INFO Follow Me: call accepted with 1']])
    for (const other of ['followme_confirm_2', 'followme_confirm_', 'followme_confirm_9']) {
      t.strictSame(dialplanOf(await call(confirmCall(other))).actions, [['hangup', 'CALL_REJECTED']], other)
    }
  })

  t.test('the answer is well-formed XML with a dialplan section only', async (t) => {
    const doc = await call(callRequest({ context: D, from: '100', to: '101' }))
    t.equal(doc.name, 'document')
    t.strictSame(doc.children.map((c) => [c.name, c.attrs.name]), [['section', 'dialplan']])
    t.equal(at(doc, 'section', 'context', 'extension')?.attrs.name, 'followme')
  })
})
