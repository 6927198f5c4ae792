import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite, without } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// *21 and the fm<EXT> key through the route, from the *21 request FreeSWITCH
// 1.10.12 sent (test/fixtures/dialplan-invite-feature-code.txt), rewritten
// per call. The PRESENCE_IN recipe is facts §9.4, written out here.

const D = 'pbx.example.com'
const LAMP_ON =
  'Event-Name=PRESENCE_IN,proto=sip,from=fm100@pbx.example.com,login=fm100@pbx.example.com,status=Active,rpid=active,' +
  'event_type=presence,alt_event_type=dialog,event_count=1,unique-id=fm100,channel-state=CS_ROUTING,answer-state=confirmed,' +
  'presence-call-direction=inbound'
const LAMP_OFF =
  'Event-Name=PRESENCE_IN,proto=sip,from=fm100@pbx.example.com,login=fm100@pbx.example.com,status=Active,rpid=unknown,' +
  'event_type=presence,alt_event_type=dialog,event_count=1,unique-id=fm100,channel-state=CS_HANGUP,answer-state=terminated,' +
  'presence-call-direction=inbound'

function featureCall(options: { to?: string; from?: string; uuid: string; context?: string }): string {
  const context = options.context ?? D
  let body = rewrite(fixture('dialplan-invite-feature-code.txt'), {
    'Unique-ID': options.uuid,
    'Caller-Unique-ID': options.uuid,
    'Hunt-Unique-ID': options.uuid,
    'Caller-Context': context,
    'Hunt-Context': context,
    'Caller-Destination-Number': options.to ?? '*21',
    'Hunt-Destination-Number': options.to ?? '*21',
    variable_user_context: D,
    variable_domain_name: D,
    variable_user_name: options.from ?? '100',
  })
  if (options.from === 'nobody') body = without(body, 'variable_sip_authorized', 'variable_user_name')
  return body
}

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  const e100 = await insertExtension(db, d, '100')
  await insertExtension(db, d, '101')
  await db.insertInto('follow_me').values({ extension_id: e100, enabled: false }).execute()
  return { e100 }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const app = await buildApp(t, database)
  const dial = async (body: string) => {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.equal(res.statusCode, 200)
    return dialplanOf(parseXml(res.body))
  }
  const enabled = async () => (await db.selectFrom('follow_me').select('enabled').executeTakeFirstOrThrow()).enabled
  t.beforeEach(() => seed(db).then(() => undefined))

  t.test('*21 turns Follow Me on, then off, with the matching announcement and lamp', async (t) => {
    const on = await dial(featureCall({ uuid: 'call-a' }))
    t.equal(on.expression, '^\\*21$')
    t.strictSame(on.actions, [
      ['event', LAMP_ON],
      ['answer', undefined],
      ['sleep', '500'],
      ['playback', 'ivr/ivr-call_forwarding_has_been_set.wav'],
      ['hangup', 'NORMAL_CLEARING'],
    ])
    t.equal(await enabled(), true, 'the flip is committed before the answer')
    const off = await dial(featureCall({ uuid: 'call-b' }))
    t.strictSame(off.actions, [
      ['event', LAMP_OFF],
      ['answer', undefined],
      ['sleep', '500'],
      ['playback', 'ivr/ivr-call_forwarding_has_been_cancelled.wav'],
      ['hangup', 'NORMAL_CLEARING'],
    ])
    t.equal(await enabled(), false)
    const audit = await db.selectFrom('follow_me_changes').select(['old_enabled', 'new_enabled', 'source', 'changed_by', 'call_uuid']).orderBy('id').execute()
    t.strictSame(audit.slice(1), [
      { old_enabled: false, new_enabled: true, source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'call-a' },
      { old_enabled: true, new_enabled: false, source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'call-b' },
    ])
  })

  t.test('the same call fetched twice flips once, and announces the same state', async (t) => {
    const first = await dial(featureCall({ uuid: 'call-c' }))
    const second = await dial(featureCall({ uuid: 'call-c' }))
    t.strictSame(second.actions, first.actions)
    t.equal(await enabled(), true)
    // Sent together through one app: they may or may not overlap (one pool,
    // often served in turn). toggle-once.test.ts makes the race real (two
    // pools, a held row lock); this only checks that a repeat sent without
    // waiting answers alike and flips once.
    const both = await Promise.all([dial(featureCall({ uuid: 'call-d' })), dial(featureCall({ uuid: 'call-d' }))])
    t.strictSame(both[0].actions, both[1].actions, 'a repeat sent without waiting answers alike')
    t.equal(await enabled(), false, 'and flipped once')
  })

  t.test('no follow_me row: "not available", nothing changes', async (t) => {
    const answer = await dial(featureCall({ uuid: 'call-e', from: '101' }))
    t.strictSame(answer.actions, [['answer', undefined], ['sleep', '500'], ['playback', 'ivr/ivr-this_feature.wav'], ['hangup', 'NORMAL_CLEARING']])
    t.equal((await db.selectFrom('follow_me_changes').selectAll().execute()).length, 1, 'only the row creation is audited')
  })

  t.test('the fm<EXT> key toggles only for <EXT> itself', async (t) => {
    const own = await dial(featureCall({ uuid: 'call-f', to: 'fm100' }))
    t.equal(own.actions[0]?.[1], LAMP_ON)
    t.equal(await enabled(), true)
    const last = await db.selectFrom('follow_me_changes').select('source').orderBy('id', 'desc').executeTakeFirstOrThrow()
    t.equal(last.source, 'blf_key')

    const other = await dial(featureCall({ uuid: 'call-g', to: 'fm100', from: '101' }))
    t.strictSame(other.actions, [['answer', undefined], ['sleep', '500'], ['playback', 'ivr/ivr-call_rejected.wav'], ['hangup', 'NORMAL_CLEARING']])
    t.equal(await enabled(), true, 'unchanged')
  })

  t.test('nobody unauthenticated, and nothing from public, toggles anything', async (t) => {
    const anonymous = await dial(featureCall({ uuid: 'call-h', from: 'nobody' }))
    t.equal(anonymous.actions.find(([app]) => app === 'playback')?.[1], 'ivr/ivr-call_rejected.wav')
    const publicCall = await dial(featureCall({ uuid: 'call-i', context: 'public' }))
    t.strictSame(publicCall.actions, [['hangup', 'UNALLOCATED_NUMBER']])
    t.equal(await enabled(), false)
  })

  t.test('the code is configurable', async (t) => {
    const custom = await buildApp(t, database, {
      followMe: { ...(await import('../../src/config.js')).loadConfig({}).followMe, toggleCode: '*55' },
    })
    const res = await custom.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: featureCall({ uuid: 'call-j', to: '*55' }) })
    t.equal(dialplanOf(parseXml(res.body)).actions[0]?.[1], LAMP_ON)
    t.strictSame((await dial(featureCall({ uuid: 'call-k', to: '*21' }))).actions.length, 5, 'the default app still has *21')
  })
})
