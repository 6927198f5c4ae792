import type { Kysely } from 'kysely'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import type { DB } from '../../src/db/schema.js'
import { answerDialplan } from '../../src/dialplan/answer.js'
import type { Caller, DialplanRequest } from '../../src/dialplan/request.js'
import { dialplanSettings } from '../../src/dialplan/settings.js'
import type { LookupAnswer } from '../../src/freeswitch/document.js'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'

// What each kind of call's answer says besides its actions: the decision
// and notes of the lookup's log line (what an operator reads to learn why a
// call was refused or where it went) and whether the answer may be cached
// (never after a feature code wrote). One case per way a call ends.

const D = 'pbx.example.com'
const config = loadConfig({})
const settings = dialplanSettings(config.followMe, config.forwarding, config.dialByName)
const UUID = '0e997291-7756-488d-956f-38539fc596e5'
const from100: Caller = { kind: 'extension', extension: '100' }
const carrier: Caller = { kind: 'anonymous', name: 'Carrier', number: '+12125550100' }

function call(context: string, destination: string, caller: Caller, extra: { failedCause?: string } = {}): Extract<DialplanRequest, { kind: 'call' }> {
  return { kind: 'call', context, contextName: context, destination, caller, visited: [], uniqueId: UUID, failedCause: extra.failedCause }
}

/** The answer without its actions: the document's kind, the log line's decision and notes, and cacheable. */
function summary(answer: LookupAnswer) {
  return { kind: answer.document.kind, decision: answer.decision, notes: answer.notes, cacheable: answer.cacheable }
}

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  const alice = await insertExtension(db, d, '100', { display_name: 'Alice', toll_allow: ['domestic'] })
  await insertExtension(db, d, '101', { display_name: 'Bob' })
  const off = await insertExtension(db, d, '103', { enabled: false, toll_allow: ['domestic'] })
  await db.insertInto('follow_me').values({ extension_id: alice, enabled: false }).execute()
  await db.insertInto('outbound_routes').values({ domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' }).execute()
  await db.insertInto('dids').values([
    { number: '15555551000', domain_id: d, extension_id: alice },
    { number: '15555551003', domain_id: d, extension_id: off },
  ]).execute()
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const answer = (request: DialplanRequest) => answerDialplan(database, request, settings, Date.now() + 1500)
  t.beforeEach(() => seed(db))

  t.test('lookups that are no call of ours', async (t) => {
    t.strictSame(summary(await answer({ kind: 'unsupported', reason: 'no context' })), { kind: 'not-found', decision: 'not-found', notes: ['no context'], cacheable: true })
    t.strictSame(summary(await answer({ kind: 'confirm', destination: 'followme_confirm' })), { kind: 'dialplan', decision: 'confirm', notes: [], cacheable: true })
    t.strictSame(summary(await answer(call('nowhere.example.com', '100', from100))), {
      kind: 'not-found', decision: 'not-found', notes: ['no enabled domain nowhere.example.com'], cacheable: true,
    })
  })

  t.test('carriers (public): DIDs only, with the + ignored', async (t) => {
    t.strictSame(summary(await answer(call('public', '+15555551000', carrier))), { kind: 'dialplan', decision: 'ring', notes: [], cacheable: true })
    t.strictSame(summary(await answer(call('public', '15555559999', carrier))), {
      kind: 'dialplan', decision: 'reject UNALLOCATED_NUMBER', notes: ['15555559999 is not a DID'], cacheable: true,
    })
    t.strictSame((await answer(call('public', '1555555100x', carrier))).notes, ['1555555100x is not a DID'], 'not digits: no DID lookup')
    t.strictSame((await answer(call('public', '++15555551000', carrier))).notes, ['++15555551000 is not a DID'], 'one + only')
    t.strictSame((await answer(call('public', '15555551003', carrier))).notes, [`DID 15555551003 rings 103@${D}, which is disabled`])
  })

  t.test('in a tenant context: what is neither a call nor a feature code is rejected, saying what it was', async (t) => {
    t.strictSame(summary(await answer(call(D, '*99', from100))), { kind: 'dialplan', decision: 'reject UNALLOCATED_NUMBER', notes: ['no feature code *99'], cacheable: true })
    t.strictSame((await answer(call(D, 'abc', from100))).notes, ['abc is neither an extension nor a number'])
    t.strictSame((await answer(call(D, '12a', from100))).notes, ['12a is neither an extension nor a number'])
    for (const odd of ['fm100x', 'xfm100', 'a12']) t.strictSame((await answer(call(D, odd, from100))).notes, [`${odd} is neither an extension nor a number`], odd)
  })

  t.test('outbound: the route in the notes; who may not call out, and why', async (t) => {
    t.strictSame(summary(await answer(call(D, '+12125550199', from100))), {
      kind: 'dialplan', decision: 'outbound', notes: ['+12125550199 via route 10 (gateway carrier)'], cacheable: true,
    })
    t.strictSame(summary(await answer(call(D, '+12125550199', carrier))), {
      kind: 'dialplan', decision: 'reject CALL_REJECTED', notes: ['+12125550199: only an authenticated extension may call out'], cacheable: true,
    })
    t.strictSame((await answer(call(D, '+12125550199', { kind: 'extension', extension: '103' }))).notes, ['+12125550199: caller 103 is not an enabled extension'])
  })

  t.test('a follow-up lookup without the failed ring it names is refused', async (t) => {
    const reason = (cause: string) => [`failed_100_USER_BUSY: no failed ring of an enabled extension on this call (originate_failed_cause ${cause})`]
    t.strictSame((await answer(call(D, 'failed_100_USER_BUSY', from100))).notes, reason('unset'))
    t.strictSame((await answer(call(D, 'failed_100_USER_BUSY', from100, { failedCause: 'NO_ANSWER' }))).notes, reason('NO_ANSWER'))
    const after = await answer(call(D, 'failed_100_USER_BUSY', from100, { failedCause: 'USER_BUSY' }))
    t.strictSame([after.decision, after.cacheable], ['forward ring-failed', true], 'no busy forward: the ring simply failed (voicemail)')
  })

  t.test('feature codes: the feature and outcome in the decision, never cached', async (t) => {
    t.strictSame(summary(await answer(call(D, '*21', from100))), {
      kind: 'dialplan', decision: 'feature on', notes: [`Follow Me of 100 is now on (*21, call ${UUID})`], cacheable: false,
    }, "Follow Me's feature is not named: *21 is the toggle")
    const dnd = await answer(call(D, '*78', from100))
    t.strictSame([dnd.decision, dnd.cacheable], ['feature dnd on', false])
  })

  t.test('dial-by-name', async (t) => {
    const byName = await answer(call(D, '*411', from100))
    t.strictSame(summary(byName), { kind: 'dialplan', decision: 'dial-by-name', notes: [`*411: dial-by-name for extension 100 of ${D}`], cacheable: true })
    t.strictSame((await answer(call(D, '*411', carrier))).decision, 'reject CALL_REJECTED', 'not for an unauthenticated caller')
  })

  t.test("Follow Me on: the forwards after the ring give way to it, unless this call already went through it", async (t) => {
    const alice = (await db.selectFrom('extensions').select('id').where('extension', '=', '100').executeTakeFirstOrThrow()).id
    await db.updateTable('follow_me').set({ enabled: true }).where('extension_id', '=', alice).execute()
    await db.insertInto('follow_me_destinations').values({ extension_id: alice, position: 1, kind: 'extension', target: '101' }).execute()
    await db.insertInto('call_forwarding').values({ extension_id: alice, forward_busy_enabled: true, forward_busy_kind: 'extension', forward_busy_target: '101' }).execute()
    const notUsed = 'forward busy not used: Follow Me is on (its no-answer action has the last word)'
    const fresh = await answer(call(D, '100', { kind: 'extension', extension: '101' }))
    t.equal(fresh.decision, 'ring')
    t.ok(fresh.notes.includes(notUsed), fresh.notes.join('; '))
    const again = await answer({ ...call(D, '100', { kind: 'extension', extension: '101' }), visited: ['100'] })
    t.equal(again.decision, 'ring')
    t.notOk(again.notes.includes(notUsed), 'Follow Me skipped by the loop guard: the busy forward applies')
  })
})
