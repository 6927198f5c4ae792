import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dataOf, dialplanOf, type DialplanAnswer } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { rewrite, without } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// The guards that decide who may call out, what a forwarded call may cost
// and how far a call may travel, each with a case where only that guard
// decides the outcome (issue 9: every one of these survived a mutation).
// Expected actions are written out by hand from facts §9's measured form.

const D = 'pbx.example.com'
const DOMESTIC = '^\\+?1?([2-9][0-9]{9})$'
const desk = (ext: string, timeout: number) =>
  `{ignore_early_media=true,originate_timeout=${timeout},sip_invite_domain=${D},presence_id=${ext}@${D}}\${sofia_contact(*/${ext}@${D})}`

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  // 101's caller ID number is no DID of the tenant (migrations/0007).
  await db.updateTable('domains').set({ outbound_caller_id_any_number: true }).where('id', '=', d).execute()
  // 100 may not call domestic numbers; its callers may.
  const barred = await insertExtension(db, d, '100', { toll_allow: ['local'] })
  const allowed = await insertExtension(db, d, '101', { toll_allow: ['domestic'], outbound_caller_id_number: '+15551230101' })
  await insertExtension(db, d, '102', { toll_allow: ['domestic'] })
  await db.insertInto('outbound_routes').values({ domain_id: d, priority: 10, pattern: DOMESTIC, gateway: 'carrier', toll_class: 'domestic' }).execute()
  await db.insertInto('dids').values({ number: '15555551000', domain_id: d, extension_id: barred }).execute()
  return { d, barred, allowed }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const app = await buildApp(t, database)
  const call = async (body: string): Promise<DialplanAnswer> => {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.equal(res.statusCode, 200, 'answered, not a 5xx')
    return dialplanOf(parseXml(res.body))
  }
  let ids: Awaited<ReturnType<typeof seed>>
  t.beforeEach(async () => {
    ids = await seed(db)
  })

  t.test("Follow Me external legs need the called extension's toll class, whoever calls", async (t) => {
    await db.insertInto('follow_me').values({ extension_id: ids.barred, enabled: true, ring_extension_first_s: 10, no_answer_action: 'hangup' }).execute()
    await db
      .insertInto('follow_me_destinations')
      .values({ extension_id: ids.barred, position: 1, kind: 'external', target: '+12125550123', ring_for_s: 20 })
      .execute()
    // 101 may dial +12125550123 itself; a carrier caller has no toll classes at all.
    const internal = callRequest({ context: D, from: '101', to: '100' })
    const carrier = callRequest({ context: 'public', domain: '127.0.0.1', to: '15555551000' })
    for (const [who, body] of [['extension 101', internal], ['a carrier (DID)', carrier]] as const) {
      const answer = await call(body)
      // From outside, the name the legs show is reset first (README "Caller ID and directory").
      const plain: DialplanAnswer['actions'] = who === 'extension 101' ? [] : [['unset', 'effective_caller_id_name']]
      t.strictSame(
        answer.actions,
        [
          ...plain,
          ['set', 'hangup_after_bridge=true'],
          ['set', 'continue_on_fail=true'],
          ['ring_ready', undefined],
          ['bridge', desk('100', 10)],
          ['hangup', 'NO_ANSWER'],
        ],
        `from ${who}: only the desk rings; the mobile leg is dropped`,
      )
    }
    // The same rows with the class granted: the leg rings (the test can fail).
    await db.updateTable('extensions').set({ toll_allow: ['domestic'] }).where('id', '=', ids.barred).execute()
    t.match(dataOf(await call(internal), 'bridge'), /sofia\/gateway\/carrier\/\+12125550123$/, 'granted: the external leg is dialled')
  })

  t.test("an external no-answer target needs the called extension's toll class", async (t) => {
    await db
      .insertInto('follow_me')
      .values({ extension_id: ids.barred, enabled: true, ring_extension_first_s: 10, no_answer_action: 'transfer', no_answer_target: '+12125550123' })
      .execute()
    for (const body of [callRequest({ context: D, from: '101', to: '100' }), callRequest({ context: 'public', domain: '127.0.0.1', to: '15555551000' })]) {
      const answer = await call(body)
      t.strictSame(answer.actions.slice(-2), [['bridge', desk('100', 10)], ['hangup', 'NO_ANSWER']], 'no outbound leg after no answer')
    }
    await db.updateTable('extensions').set({ toll_allow: ['domestic'] }).where('id', '=', ids.barred).execute()
    const granted = await call(callRequest({ context: D, from: '101', to: '100' }))
    t.equal(granted.actions.filter(([app]) => app === 'bridge').length, 2, 'granted: the desk, then the external number')
  })

  t.test('the caller is an extension only when FreeSWITCH says it authenticated it (sip_authorized)', async (t) => {
    // user_name and domain_name as sofia sets them, but no successful digest:
    // sip_authorized missing, or anything but "true".
    const authenticated = callRequest({ context: D, from: '101', to: '+12125550123' })
    t.strictSame(
      (await call(authenticated)).actions,
      [['set', 'hangup_after_bridge=true'], ['bridge', '{ignore_early_media=true,originate_timeout=120,origination_caller_id_name=101,origination_caller_id_number=+15551230101}sofia/gateway/carrier/+12125550123']],
      'authenticated 101 calls out',
    )
    const unauthorized = [
      ['missing', without(authenticated, 'variable_sip_authorized')],
      ['false', rewrite(authenticated, { variable_sip_authorized: 'false' })],
      ['TRUE', rewrite(authenticated, { variable_sip_authorized: 'TRUE' })],
    ] as const
    for (const [label, body] of unauthorized) {
      t.match(body, /variable_user_name=101&/, 'the body still names 101 as user_name')
      t.strictSame((await call(body)).actions, [['hangup', 'CALL_REJECTED']], `sip_authorized ${label}: may not call out`)
    }
    // Nor use a feature code: *21 with 101's user_name is refused and changes nothing.
    await db.insertInto('follow_me').values({ extension_id: ids.allowed, enabled: false }).execute()
    const toggle = rewrite(callRequest({ context: D, from: '101', to: '*21' }), { 'Channel-Name': 'sofia/internal/101@pbx.example.com' })
    const refused = await call(without(toggle, 'variable_sip_authorized'))
    t.strictSame(refused.actions.find(([app]) => app === 'playback'), ['playback', 'ivr/ivr-call_rejected.wav'])
    t.equal((await db.selectFrom('follow_me').select('enabled').executeTakeFirstOrThrow()).enabled, false, 'nothing flipped')
    const allowed = await call(toggle)
    t.strictSame(allowed.actions.find(([app]) => app === 'playback'), ['playback', 'ivr/ivr-call_forwarding_has_been_set.wav'], 'authenticated: flips')
  })

  t.test('a DID whose domain is disabled is unallocated (an answer, not a 503)', async (t) => {
    await db.updateTable('domains').set({ enabled: false }).execute()
    t.strictSame((await call(callRequest({ context: 'public', domain: '127.0.0.1', to: '15555551000' }))).actions, [['hangup', 'UNALLOCATED_NUMBER']])
    await db.updateTable('domains').set({ enabled: true }).execute()
    t.equal(dataOf(await call(callRequest({ context: 'public', domain: '127.0.0.1', to: '15555551000' })), 'bridge'), desk('100', 30), 'enabled again: it rings')
  })

  t.test('a no-answer transfer chain stops after 5 transfers, not before', async (t) => {
    // 100 transfers to 102 when nobody answers. The call arrives at 100
    // having been transferred through `visited` already.
    await db.insertInto('follow_me').values({ extension_id: ids.barred, enabled: true, ring_extension_first_s: 10, no_answer_action: 'transfer', no_answer_target: '102' }).execute()
    const arriving = (visited: string[]) => call(callRequest({ context: D, to: '100', extra: { variable_followme_visited: visited.join(',') } }))
    // Through 4 others, then 100: the transfer to 102 is the 5th, allowed.
    const fifth = await arriving(['201', '202', '203', '204'])
    t.strictSame(fifth.actions.slice(-2), [['set', 'followme_visited=201,202,203,204,100'], ['transfer', '102 XML pbx.example.com']])
    // Through 5 others: a 6th transfer is refused; 100's voicemail instead.
    const sixth = await arriving(['201', '202', '203', '204', '205'])
    t.equal(dataOf(sixth, 'transfer'), undefined, 'no 6th transfer')
    t.strictSame(sixth.actions.slice(-3), [['answer', undefined], ['sleep', '1000'], ['voicemail', 'default pbx.example.com 100']])
  })
})
