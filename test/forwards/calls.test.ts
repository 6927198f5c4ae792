import type { Insertable, Kysely } from 'kysely'
import t from 'tap'
import type { CallForwardingTable, DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// DND and the forwards through the real route, on both databases, from the
// dialplan requests FreeSWITCH 1.10.12 sent (rewritten per call). Expected
// actions are written out by hand from the precedence table and facts §12.

const D = 'pbx.example.com'
const RING_100 = '{ignore_early_media=true,originate_timeout=30,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}'
// A call without `from` comes from outside: before a forward or a ring, the
// name its legs show is reset to the caller's own (README "Caller ID and
// directory"; no extension here has an inbound prefix).
const PLAIN = ['unset', 'effective_caller_id_name']
const VOICEMAIL = (box: string) => [['answer', undefined], ['sleep', '1000'], ['voicemail', `default ${D} ${box}`]]

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  const e100 = await insertExtension(db, d, '100', { toll_allow: ['domestic'] })
  const e101 = await insertExtension(db, d, '101')
  await insertExtension(db, d, '102', { voicemail_enabled: false })
  await db.insertInto('outbound_routes').values({ domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' }).execute()
  return { d, e100, e101 }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const app = await buildApp(t, database)
  const call = async (to: string, extra: Record<string, string> = {}, from?: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/freeswitch',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: callRequest({ context: D, to, ...(from !== undefined ? { from } : {}), extra }),
    })
    t.equal(res.statusCode, 200)
    return dialplanOf(parseXml(res.body))
  }
  let ids: Awaited<ReturnType<typeof seed>>
  const forwarding = (values: Omit<Insertable<CallForwardingTable>, 'extension_id'>, extensionId = ids.e100) =>
    db.insertInto('call_forwarding').values({ extension_id: extensionId, ...values }).execute()
  t.beforeEach(async () => {
    ids = await seed(db)
  })

  t.test('forward all: straight to the target, the extension does not ring', async (t) => {
    await forwarding({ forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '101' })
    t.strictSame((await call('100')).actions, [
      PLAIN,
      ['set', 'followme_visited=100'],
      ['transfer', `101 XML ${D}`],
    ], 'an extension: its own rules apply next, the chain carried')
    await db.updateTable('call_forwarding').set({ forward_all_kind: 'external', forward_all_target: '+15555550100' }).execute()
    t.strictSame((await call('100')).actions, [
      PLAIN,
      ['set', 'hangup_after_bridge=true'],
      ['ring_ready', undefined],
      ['bridge', '{ignore_early_media=true,originate_timeout=30}sofia/gateway/carrier/+15555550100'],
      ['hangup', 'NO_ANSWER'],
    ], 'an external number, through the route the extension may use')
    await db.updateTable('call_forwarding').set({ forward_all_kind: 'voicemail', forward_all_target: '101' }).execute()
    t.strictSame((await call('100')).actions, [PLAIN, ...VOICEMAIL('101')], "another extension's box")
  })

  t.test('Follow Me is bypassed by forward all', async (t) => {
    await db.insertInto('follow_me').values({ extension_id: ids.e100, enabled: true }).execute()
    await forwarding({ forward_all_enabled: true, forward_all_kind: 'voicemail', forward_all_target: '100' })
    t.strictSame((await call('100')).actions, [PLAIN, ...VOICEMAIL('100')])
  })

  t.test('DND: busy by default; the busy forward when set; voicemail when chosen', async (t) => {
    await forwarding({ do_not_disturb: true })
    t.strictSame((await call('100', {}, '101')).actions, [['hangup', 'USER_BUSY']])
    await db.updateTable('call_forwarding').set({ forward_busy_enabled: true, forward_busy_kind: 'extension', forward_busy_target: '101' }).execute()
    t.strictSame((await call('100', {}, '102')).actions, [['set', 'followme_visited=100'], ['transfer', `101 XML ${D}`]])
    await db.updateTable('call_forwarding').set({ forward_busy_enabled: false, do_not_disturb_action: 'voicemail' }).execute()
    t.strictSame((await call('100', {}, '101')).actions, VOICEMAIL('100'))
  })

  t.test('a Follow Me destination on DND is skipped', async (t) => {
    await db.insertInto('follow_me').values({ extension_id: ids.e100, enabled: true, ring_extension_first_s: 10 }).execute()
    await db.insertInto('follow_me_destinations').values({ extension_id: ids.e100, position: 1, kind: 'extension', target: '101', ring_for_s: 15 }).execute()
    await forwarding({ do_not_disturb: true }, ids.e101)
    const answer = await call('100')
    t.strictSame(answer.actions.find(([app]) => app === 'bridge'), [
      'bridge',
      '{ignore_early_media=true,originate_timeout=10,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}',
    ], 'only the extension itself rings')
  })

  t.test('Follow Me off with an after-ring forward: the failed ring comes back with its cause', async (t) => {
    t.strictSame((await call('100')).actions.slice(4), [['bridge', RING_100], ...VOICEMAIL('100')], 'no forward: voicemail right after the bridge, as before')
    await forwarding({ forward_busy_enabled: true, forward_busy_kind: 'extension', forward_busy_target: '101' })
    t.strictSame((await call('100')).actions, [
      PLAIN,
      ['set', 'hangup_after_bridge=true'],
      ['set', 'continue_on_fail=true'],
      ['ring_ready', undefined],
      ['bridge', RING_100],
      ['transfer', `failed_100_\${originate_failed_cause} XML ${D}`],
    ])
  })

  t.test('the follow-up lookup: the cause the bridge left picks the forward', async (t) => {
    await forwarding({
      forward_busy_enabled: true,
      forward_busy_kind: 'extension',
      forward_busy_target: '101',
      forward_no_answer_enabled: true,
      forward_no_answer_kind: 'voicemail',
      forward_no_answer_target: '101',
      forward_not_registered_enabled: true,
      forward_not_registered_kind: 'external',
      forward_not_registered_target: '+15555550100',
    })
    const followUp = (cause: string) => call(`failed_100_${cause}`, { variable_originate_failed_cause: cause })
    const busy = await followUp('USER_BUSY')
    t.equal(busy.expression, '^failed_100_USER_BUSY$')
    t.strictSame(busy.actions, [PLAIN, ['set', 'followme_visited=100'], ['transfer', `101 XML ${D}`]], '486: the busy forward')
    t.strictSame((await followUp('NO_ANSWER')).actions, [PLAIN, ...VOICEMAIL('101')], 'call_timeout: the no-answer forward')
    t.strictSame((await followUp('ALLOTTED_TIMEOUT')).actions, [PLAIN, ...VOICEMAIL('101')], 'originate_timeout: the no-answer forward too')
    t.strictSame((await followUp('USER_NOT_REGISTERED')).actions, [
      PLAIN,
      ['set', 'hangup_after_bridge=true'],
      ['ring_ready', undefined],
      ['bridge', '{ignore_early_media=true,originate_timeout=30}sofia/gateway/carrier/+15555550100'],
      ['hangup', 'NO_ANSWER'],
    ], 'unregistered: the not-registered forward')
    t.strictSame((await followUp('CALL_REJECTED')).actions, [PLAIN, ...VOICEMAIL('100')], 'any other cause: voicemail as before')
    await db.updateTable('call_forwarding').set({ forward_busy_enabled: false }).execute()
    t.strictSame((await followUp('USER_BUSY')).actions, [PLAIN, ...VOICEMAIL('100')], 'a forward turned off meanwhile: voicemail')
  })

  t.test('a follow-up is answered only after a bridge on the channel failed with that cause', async (t) => {
    await forwarding({ forward_busy_enabled: true, forward_busy_kind: 'voicemail', forward_busy_target: '101' })
    t.strictSame((await call('failed_100_USER_BUSY', {}, '102')).actions, [['hangup', 'UNALLOCATED_NUMBER']], 'dialled by hand')
    t.strictSame((await call('failed_100_USER_BUSY', { variable_originate_failed_cause: 'NO_ANSWER' })).actions, [['hangup', 'UNALLOCATED_NUMBER']], 'another cause')
    t.strictSame((await call('failed_199_USER_BUSY', { variable_originate_failed_cause: 'USER_BUSY' })).actions, [['hangup', 'UNALLOCATED_NUMBER']], 'no such extension')
  })

  t.test('forwards chain with the transfer guard; a loop ends in voicemail', async (t) => {
    await forwarding({ forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '101' })
    await forwarding({ forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '100' }, ids.e101)
    t.strictSame((await call('100')).actions, [PLAIN, ['set', 'followme_visited=100'], ['transfer', `101 XML ${D}`]])
    t.strictSame((await call('101', { variable_followme_visited: '100' })).actions, [PLAIN, ...VOICEMAIL('101')], '101 → 100 again: stop, voicemail of 101')
  })
})
