import type { Kysely } from 'kysely'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite, without } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// *72/*73/*74, *78/*79/*77 and the dnd<EXT>/cf<EXT> keys through the route,
// from the *21 request FreeSWITCH 1.10.12 sent
// (test/fixtures/dialplan-invite-feature-code.txt), rewritten per call. The
// PRESENCE_IN recipe is facts §9.4, written out for each lamp.

const D = 'pbx.example.com'
const lamp = (name: string, on: boolean) =>
  `Event-Name=PRESENCE_IN,proto=sip,from=${name}@${D},login=${name}@${D},status=Active,rpid=${on ? 'active' : 'unknown'},` +
  `event_type=presence,alt_event_type=dialog,event_count=1,unique-id=${name},channel-state=${on ? 'CS_ROUTING' : 'CS_HANGUP'},` +
  `answer-state=${on ? 'confirmed' : 'terminated'},presence-call-direction=inbound`
const announce = (prompt: string) => [['answer', undefined], ['sleep', '500'], ['playback', prompt], ['hangup', 'NORMAL_CLEARING']]
const SET = 'ivr/ivr-call_forwarding_has_been_set.wav'
const CANCELLED = 'ivr/ivr-call_forwarding_has_been_cancelled.wav'
const DND_ON = 'ivr/ivr-dnd_activated.wav'
const DND_OFF = 'ivr/ivr-dnd_cancelled.wav'

function featureCall(to: string, uuid: string, from = '100'): string {
  let body = rewrite(fixture('dialplan-invite-feature-code.txt'), {
    'Unique-ID': uuid,
    'Caller-Unique-ID': uuid,
    'Hunt-Unique-ID': uuid,
    'Caller-Context': D,
    'Hunt-Context': D,
    'Caller-Destination-Number': to,
    'Hunt-Destination-Number': to,
    variable_user_context: D,
    variable_domain_name: D,
    variable_user_name: from,
  })
  if (from === 'nobody') body = without(body, 'variable_sip_authorized', 'variable_user_name')
  return body
}

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  const e100 = await insertExtension(db, d, '100', { toll_allow: ['domestic'] })
  await insertExtension(db, d, '101')
  await db.insertInto('outbound_routes').values([
    { domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' },
    { domain_id: d, priority: 20, pattern: '^\\+?44[0-9]+$', gateway: 'intl', toll_class: 'international' },
  ]).execute()
  return { e100 }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  // With the lookup cache on: a feature code's answer must never be kept
  // (its key leaves the Unique-ID out), or a second call would replay it.
  const app = await buildApp(t, database, { lookupCache: { maxEntries: 1000 } })
  const dial = async (to: string, uuid: string, from?: string) => {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: featureCall(to, uuid, from) })
    t.equal(res.statusCode, 200)
    return dialplanOf(parseXml(res.body)).actions
  }
  const row = () =>
    db.selectFrom('call_forwarding').select(['do_not_disturb', 'forward_all_enabled', 'forward_all_kind', 'forward_all_target']).executeTakeFirst()
  const audit = () =>
    db.selectFrom('call_forwarding_changes').select(['setting', 'old_enabled', 'new_enabled', 'old_target', 'new_target', 'source', 'changed_by', 'call_uuid']).orderBy('id').execute()
  t.beforeEach(() => seed(db).then(() => undefined))

  t.test('*72<number> forwards all calls there; *73 cancels; *72 alone brings the last number back; *74 toggles', async (t) => {
    t.strictSame(await dial('*72101', 'c1'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', true)], ...announce(SET)], 'an extension')
    t.strictSame(await row(), { do_not_disturb: false, forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '101' })
    t.strictSame(await dial('*73', 'c2'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', false)], ...announce(CANCELLED)])
    t.strictSame(await row(), { do_not_disturb: false, forward_all_enabled: false, forward_all_kind: 'extension', forward_all_target: '101' }, 'the number is kept')
    t.strictSame(await dial('*72', 'c3'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', true)], ...announce(SET)])
    t.strictSame(await dial('*74', 'c4'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', false)], ...announce(CANCELLED)])
    t.strictSame(await dial('*72+15555550100', 'c5'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', true)], ...announce(SET)], 'an external number')
    t.strictSame(await row(), { do_not_disturb: false, forward_all_enabled: true, forward_all_kind: 'external', forward_all_target: '+15555550100' })
    t.strictSame(await audit(), [
      { setting: 'forward_all', old_enabled: null, new_enabled: true, old_target: null, new_target: 'extension:101', source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'c1' },
      { setting: 'forward_all', old_enabled: true, new_enabled: false, old_target: 'extension:101', new_target: 'extension:101', source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'c2' },
      { setting: 'forward_all', old_enabled: false, new_enabled: true, old_target: 'extension:101', new_target: 'extension:101', source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'c3' },
      { setting: 'forward_all', old_enabled: true, new_enabled: false, old_target: 'extension:101', new_target: 'extension:101', source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'c4' },
      { setting: 'forward_all', old_enabled: false, new_enabled: true, old_target: 'extension:101', new_target: 'external:+15555550100', source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'c5' },
    ])
  })

  t.test('refused: a number the toll_allow cannot dial, the extension itself, *72 with no number yet', async (t) => {
    t.strictSame(await dial('*72', 'r1'), announce('ivr/ivr-this_feature.wav'), 'nothing to bring back')
    t.strictSame(await dial('*7244207946000', 'r2'), announce('ivr/ivr-call_rejected.wav'), 'international, not allowed')
    t.strictSame(await dial('*72100', 'r3'), announce('ivr/ivr-call_rejected.wav'), 'itself')
    t.strictSame(await dial('*74', 'r4'), announce('ivr/ivr-this_feature.wav'), 'toggle with no number yet')
    t.equal(await row(), undefined, 'no row written')
    t.strictSame(await audit(), [])
    t.ok(app.lookupCache?.enabled, 'the cache is on')
    t.equal(app.lookupCache?.size, 0, 'and kept none of these answers')
  })

  t.test('*78 / *79 / *77: DND, and DND and forward all clear each other', async (t) => {
    await dial('*72101', 'd0')
    t.strictSame(await dial('*78', 'd1'), [['event', lamp('dnd100', true)], ['event', lamp('cf100', false)], ...announce(DND_ON)], 'DND on turns forward all off')
    t.strictSame(await row(), { do_not_disturb: true, forward_all_enabled: false, forward_all_kind: 'extension', forward_all_target: '101' })
    t.strictSame((await audit()).filter((a) => a.call_uuid === 'd1').map((a) => [a.setting, a.new_enabled]), [['do_not_disturb', true], ['forward_all', false]], 'both changes audited, one call')
    t.strictSame(await dial('*72', 'd2'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', true)], ...announce(SET)], 'forward all on turns DND off')
    t.strictSame(await dial('*77', 'd3'), [['event', lamp('dnd100', true)], ['event', lamp('cf100', false)], ...announce(DND_ON)])
    t.strictSame(await dial('*79', 'd4'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', false)], ...announce(DND_OFF)])
    t.strictSame(await dial('*79', 'd5'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', false)], ...announce(DND_OFF)], 'off again: same answer')
    t.equal((await audit()).filter((a) => a.call_uuid === 'd5').length, 0, 'nothing changed, nothing audited')
  })

  t.test('once per call: the same Unique-ID fetched again, or twice at once, changes once', async (t) => {
    const first = await dial('*77', 'o1')
    t.strictSame(await dial('*77', 'o1'), first, 'the second fetch announces the same state')
    t.equal((await row())?.do_not_disturb, true)
    const both = await Promise.all([dial('*74', 'o2'), dial('*74', 'o2')])
    t.strictSame(both[0], both[1])
    t.strictSame(await dial('*77', 'o3'), [['event', lamp('dnd100', false)], ['event', lamp('cf100', false)], ...announce(DND_OFF)], 'a new call toggles again')
  })

  t.test('the keys: dnd<EXT> and cf<EXT> toggle, only for <EXT> itself', async (t) => {
    t.strictSame(await dial('dnd100', 'k1'), [['event', lamp('dnd100', true)], ['event', lamp('cf100', false)], ...announce(DND_ON)])
    t.equal((await audit())[0]?.source, 'blf_key')
    t.strictSame(await dial('dnd100', 'k2', '101'), announce('ivr/ivr-call_rejected.wav'), "101 pressing 100's key")
    t.strictSame(await dial('cf100', 'k3'), announce('ivr/ivr-this_feature.wav'), 'no number yet')
    t.equal((await row())?.do_not_disturb, true, 'unchanged')
  })

  t.test('nobody unauthenticated, and nothing without the channel, changes anything', async (t) => {
    t.strictSame(await dial('*78', 'n1', 'nobody'), announce('ivr/ivr-call_rejected.wav'))
    const noChannel = await app.inject({
      method: 'POST',
      url: '/freeswitch',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: without(featureCall('*78', 'n2'), 'Unique-ID'),
    })
    t.strictSame(dialplanOf(parseXml(noChannel.body)).actions, announce('ivr/ivr-call_rejected.wav'))
    t.equal(await row(), undefined)
  })

  t.test('the codes are configurable', async (t) => {
    const defaults = loadConfig({})
    const custom = await buildApp(t, database, { forwarding: { ...defaults.forwarding, codes: { ...defaults.forwarding.codes, dndOn: '*363' } } })
    const res = await custom.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: featureCall('*363', 'x1') })
    t.strictSame(dialplanOf(parseXml(res.body)).actions[0], ['event', lamp('dnd100', true)])
    t.strictSame(await dial('*78', 'x2'), [['event', lamp('dnd100', true)], ['event', lamp('cf100', false)], ...announce(DND_ON)], 'the default app still has *78')
  })
})
