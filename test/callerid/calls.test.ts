import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dataOf, dialplanOf, type DialplanAnswer } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { shownOnPhone } from '../helpers/freeswitch-callerid.js'
import { parseDialString } from '../helpers/freeswitch-dialstring.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// Caller ID through the real route on both databases (README "Caller ID and
// directory"). Expected values are written out by hand: what the phone shows
// comes from the oracle of FreeSWITCH's expansion and sofia's sanitiser
// (test/helpers/freeswitch-callerid.ts), legs from the dial-string oracle.

const D = 'pbx.example.com'
const DID_100 = '15555551000'
const DID_101 = '15555551001'
const DESK_100 = '${sofia_contact(*/100@pbx.example.com)}'
const PREFIX_100 = ['set', 'effective_caller_id_name=SALES#${caller_id_name}']
const PLAIN = ['unset', 'effective_caller_id_name']

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  const e100 = await insertExtension(db, d, '100', { display_name: 'Alice', inbound_caller_id_prefix: 'SALES#', toll_allow: ['domestic'] })
  const e101 = await insertExtension(db, d, '101', { display_name: 'Bob' })
  const e102 = await insertExtension(db, d, '102', { display_name: 'Carol', inbound_caller_id_prefix: 'FWD ', toll_allow: ['domestic'] })
  await db.insertInto('outbound_routes').values({ domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' }).execute()
  await db
    .insertInto('dids')
    .values([
      { number: DID_100, domain_id: d, extension_id: e100 },
      { number: DID_101, domain_id: d, extension_id: e101 },
    ])
    .execute()
  return { d, e100, e101, e102 }
}

/** Hostile caller names, and what the phone of 100 (prefix SALES#) then shows, worked out by hand from facts §14. */
const HOSTILE: ReadonlyArray<[name: string, shown: string, onMobile: string]> = [
  ['John Smith', 'SALES#John Smith', 'John Smith'],
  // `}` and `,` would close a bridge's {} and add a PSTN leg (facts §14); `/` is cut by sofia.
  ['x}sofia/gateway/pstn/19005551212,', '19005551212,', 'x sofia/gateway/pstn/19005551212,'],
  ['Bob, Jr.', 'SALES#Bob, Jr.', 'Bob, Jr.'],
  ['a|sofia/gateway/pstn/1', '1', 'a sofia/gateway/pstn/1'],
  ['a:_:b', 'b', 'a _ b'],
  ['${system(id)}', 'SALES#%{system(id)}', 'system(id)'],
  ['"Quoted" \'Name\'', 'SALES#"Quoted" \'Name\'', 'Quoted \u2019Name\u2019'],
  ['Dr: Who', ' Who', 'Dr Who'],
  ['bob@evil.example', 'SALES#bob', 'bob@evil.example'],
  ['Zoë 山田', 'SALES#Zoë 山田', 'Zoë 山田'],
  [']^^:x=y[', 'x=y[', 'x y'],
]

eachDatabase(t, async (t, database) => {
  const { db } = database
  const app = await buildApp(t, database)
  const call = async (body: string): Promise<DialplanAnswer> => {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.equal(res.statusCode, 200)
    return dialplanOf(parseXml(res.body))
  }
  const fromOutside = (to: string, name: string, context = 'public') =>
    callRequest({ context, domain: context === 'public' ? '127.0.0.1' : context, to, extra: { 'Caller-Caller-ID-Name': name, 'Hunt-Caller-ID-Name': name, 'Caller-Caller-ID-Number': '+12125550199', 'Hunt-Caller-ID-Number': '+12125550199' } })
  let ids: Awaited<ReturnType<typeof seed>>
  t.beforeEach(async () => {
    ids = await seed(db)
  })

  t.test('a DID call: the prefix before the caller name, set apart from the bridge, whatever the name', async (t) => {
    for (const [name, shown] of HOSTILE) {
      const answer = await call(fromOutside(DID_100, name))
      t.strictSame(answer.actions[0], PREFIX_100, `${JSON.stringify(name)}: the prefix is its own action`)
      const bridge = dataOf(answer, 'bridge') ?? ''
      const parsed = parseDialString(bridge)
      t.strictSame(
        parsed.branches.flatMap((b) => b.groups.flat().map((l) => l.target)),
        [DESK_100],
        `${JSON.stringify(name)}: only the desk rings`,
      )
      t.notOk(answer.actions.some(([, data]) => data?.includes(name)), `${JSON.stringify(name)}: the name is in no action`)
      t.equal(shownOnPhone(answer.actions, name), shown, `${JSON.stringify(name)}: the phone shows ${JSON.stringify(shown)}`)
    }
  })

  t.test('an internal call shows no prefix; a DID of an extension without one shows the name as sent', async (t) => {
    const internal = await call(callRequest({ context: D, from: '101', to: '100' }))
    t.notOk(internal.actions.some(([, data]) => data?.includes('effective_caller_id_name')), 'internal: the caller ID is left alone')
    t.strictSame(internal.actions[0], ['set', 'hangup_after_bridge=true'])
    const plain = await call(fromOutside(DID_101, 'John Smith'))
    t.strictSame(plain.actions[0], PLAIN, 'no prefix: an earlier prefix is taken off')
    t.equal(shownOnPhone(plain.actions, 'John Smith'), 'John Smith')
  })

  t.test('Follow Me from outside: the mobile leg shows the caller, never the prefix, and adds no leg', async (t) => {
    await db.insertInto('follow_me').values({ extension_id: ids.e100, enabled: true, strategy: 'simultaneous', ring_extension_first_s: 20 }).execute()
    await db.insertInto('follow_me_destinations').values({ extension_id: ids.e100, position: 1, kind: 'external', target: '+12125550123', ring_for_s: 20 }).execute()
    for (const [name, , onMobile] of HOSTILE) {
      const answer = await call(fromOutside(DID_100, name))
      t.strictSame(answer.actions[0], PREFIX_100)
      const parsed = parseDialString(dataOf(answer, 'bridge') ?? '')
      const legs = parsed.branches.flatMap((b) => b.groups.flat())
      t.strictSame(legs.map((l) => l.target), [DESK_100, 'sofia/gateway/carrier/+12125550123'], `${JSON.stringify(name)}: the desk and the mobile, nothing else`)
      const mobile = legs[1]
      t.equal(mobile?.vars.origination_caller_id_name, onMobile, `${JSON.stringify(name)}: the mobile shows the caller's own name`)
      t.notOk(mobile !== undefined && 'origination_caller_id_number' in mobile.vars, 'the caller keeps its number')
      t.notOk(legs[0] !== undefined && 'origination_caller_id_name' in legs[0].vars, 'the desk takes the prefixed name')
    }
    // The same call from inside: the extension's outbound caller ID rules, no prefix.
    await db.updateTable('follow_me').set({ external_caller_id: 'extension' }).execute()
    const answer = await call(fromOutside(DID_100, 'John Smith'))
    const mobile = parseDialString(dataOf(answer, 'bridge') ?? '').branches[1]?.groups[0]?.[0]
    t.equal(mobile?.vars.origination_caller_id_name, 'Alice', 'external_caller_id = extension: the extension name')
    t.equal(mobile?.vars.origination_caller_id_number, '100')
  })

  t.test("Follow Me from outside, a name that escapes to nothing: the mobile shows the caller's number, else Unknown", async (t) => {
    await db.insertInto('follow_me').values({ extension_id: ids.e100, enabled: true, strategy: 'simultaneous', ring_extension_first_s: 20 }).execute()
    await db.insertInto('follow_me_destinations').values({ extension_id: ids.e100, position: 1, kind: 'external', target: '+12125550123', ring_for_s: 20 }).execute()
    const cases: ReadonlyArray<[name: string, number: string, onMobile: string]> = [
      ['$$$', '+12125550199', '+12125550199'],
      ['$$$', '12125550199', '12125550199'],
      ['$$$', 'anonymous', 'Unknown'],
      ['$$$', '1234567890123456789012345', 'Unknown'], // 25 digits: not a number FreeSWITCH would pass on
      ['$$$', '+1212555019x', 'Unknown'],
      ['$$$', 'x12125550199', 'Unknown'],
      ['', '+12125550199', '+12125550199'],
      ['Ann', 'anonymous', 'Ann'],
    ]
    for (const [name, number, onMobile] of cases) {
      const body = callRequest({ context: 'public', domain: '127.0.0.1', to: DID_100, extra: { 'Caller-Caller-ID-Name': name, 'Hunt-Caller-ID-Name': name, 'Caller-Caller-ID-Number': number, 'Hunt-Caller-ID-Number': number } })
      const legs = parseDialString(dataOf(await call(body), 'bridge') ?? '').branches.flatMap((b) => b.groups.flat())
      t.equal(legs[1]?.vars.origination_caller_id_name, onMobile, `${JSON.stringify(name)} from ${number}`)
    }
  })

  t.test('forwards from outside: plain toward a number, the target extension its own prefix', async (t) => {
    await db.insertInto('call_forwarding').values({ extension_id: ids.e100, forward_all_enabled: true, forward_all_kind: 'external', forward_all_target: '+12125550123' }).execute()
    const external = await call(fromOutside(DID_100, 'John Smith'))
    t.strictSame(external.actions[0], PLAIN, 'forwarded to a number: the prefix is not set')
    t.equal(shownOnPhone(external.actions, 'John Smith'), 'John Smith', 'the number called sees the caller')
    await db.updateTable('call_forwarding').set({ forward_all_kind: 'extension', forward_all_target: '102' }).execute()
    const transfer = await call(fromOutside(DID_100, 'John Smith'))
    t.strictSame(transfer.actions, [PLAIN, ['set', 'followme_visited=100'], ['transfer', `102 XML ${D}`]])
    // The transfer's lookup: still from outside, in the tenant's context.
    const next = await call(fromOutside('102', 'John Smith', D))
    t.strictSame(next.actions[0], ['set', 'effective_caller_id_name=FWD ${caller_id_name}'])
    t.equal(shownOnPhone(next.actions, 'John Smith'), 'FWD John Smith', "102's phones show 102's prefix")
  })

  t.test('outbound: the extension CNAM and number, else the tenant default', async (t) => {
    const route = (answer: DialplanAnswer) => parseDialString(dataOf(answer, 'bridge') ?? '').branches[0]?.groups[0]?.[0]?.vars
    let vars = route(await call(callRequest({ context: D, from: '102', to: '+12125550123' })))
    t.equal(vars?.origination_caller_id_name, 'Carol', 'no CNAM anywhere: the display name')
    t.equal(vars?.origination_caller_id_number, '102')
    await db.updateTable('domains').set({ outbound_caller_id_name: 'Acme, Inc.', outbound_caller_id_number: `+${DID_100}` }).execute()
    vars = route(await call(callRequest({ context: D, from: '102', to: '+12125550123' })))
    t.equal(vars?.origination_caller_id_name, 'Acme, Inc.', 'the tenant default CNAM')
    t.equal(vars?.origination_caller_id_number, `+${DID_100}`, 'the tenant default number')
    await db.updateTable('extensions').set({ outbound_caller_id_name: 'Carol Sales', outbound_caller_id_number: DID_101 }).where('id', '=', ids.e102).execute()
    vars = route(await call(callRequest({ context: D, from: '102', to: '+12125550123' })))
    t.equal(vars?.origination_caller_id_name, 'Carol Sales', "the extension's CNAM wins")
    t.equal(vars?.origination_caller_id_number, DID_101)
  })
})
