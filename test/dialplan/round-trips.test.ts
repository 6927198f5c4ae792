import t from 'tap'
import type { Database } from '../../src/db/database.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { StatementLog } from '../helpers/statement-log.js'
import { parseXml } from '../helpers/xml.js'

// FreeSWITCH's SIP thread waits for every lookup, and under load each round
// trip to Postgres costs more than the query itself (README, Performance).
// These count the statements one lookup sends on the real database (Kysely's
// through a plugin, the named prepared ones through a wrapper): a call to an
// extension with Follow Me, every kind of target, forwards and a no-answer
// transfer takes one (call_rows_v1: the callee with its rows and every
// target's extension and route), an outbound call one, a carrier's DID call
// two (the DID, then the callee's statement).

const D = 'pbx.example.com'

eachDatabase(t, async (t, database) => {
  const { db } = database
  const log = new StatementLog()
  const counted: Database = {
    ...database,
    db: database.db.withPlugin(log),
    prepared: (statement, values) => {
      log.kinds.push(`prepared ${statement.name}`)
      return database.prepared(statement, values)
    },
  }
  const app = await buildApp(t, counted)

  // eachDatabase empties the tables before each test.
  t.beforeEach(async () => {
    const d = await insertDomain(db, D)
    const alice = await insertExtension(db, d, '100', { toll_allow: ['domestic'] })
    await insertExtension(db, d, '101', {})
    await insertExtension(db, d, '102', { toll_allow: ['domestic'] })
    await db.insertInto('outbound_routes').values({ domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' }).execute()
    await db
      .insertInto('follow_me')
      .values({ extension_id: alice, enabled: true, strategy: 'sequential', no_answer_action: 'transfer', no_answer_target: '+15555550199' })
      .execute()
    await db
      .insertInto('follow_me_destinations')
      .values([
        { extension_id: alice, position: 1, kind: 'extension', target: '101', delay_s: 0, ring_for_s: 20, confirm: false },
        { extension_id: alice, position: 2, kind: 'external', target: '+15555550100', delay_s: 0, ring_for_s: 20, confirm: true },
      ])
      .execute()
  })

  const lookUp = async (to: string, from: string, extra: Record<string, string> = {}) => {
    log.kinds.length = 0
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: callRequest({ context: D, from, to, extra }) })
    t.equal(res.statusCode, 200)
    return { answer: dialplanOf(parseXml(res.body)), statements: [...log.kinds] }
  }

  t.test('a Follow Me call with an extension, a mobile and a no-answer transfer: one statement', async (t) => {
    const { answer, statements } = await lookUp('100', '102')
    const bridges = answer.actions.filter(([app]) => app === 'bridge').map(([, data]) => data ?? '')
    t.ok(bridges.some((b) => b.includes('sofia_contact(*/101@')), 'the extension destination rings')
    t.ok(bridges.some((b) => b.includes('sofia/gateway/carrier/')), 'the mobile rings through its route')
    t.ok(answer.actions.some(([app, data]) => app === 'bridge' && data?.includes('15555550199') === true), 'the transfer target was routed as a number')
    t.ok(bridges.some((b) => b.includes('origination_caller_id_name=')), "the caller's own row came too (its outbound caller ID)")
    t.strictSame(statements, ['prepared call_rows_v1'])
  })

  t.test('forwards of every kind, DND off: still one statement', async (t) => {
    const alice = await db.selectFrom('extensions').select('id').where('extension', '=', '100').executeTakeFirstOrThrow()
    await db.insertInto('call_forwarding').values({
      extension_id: alice.id,
      forward_busy_enabled: true, forward_busy_kind: 'external', forward_busy_target: '+15555550177',
      forward_no_answer_enabled: true, forward_no_answer_kind: 'extension', forward_no_answer_target: '101',
      forward_not_registered_enabled: true, forward_not_registered_kind: 'voicemail', forward_not_registered_target: '102',
    }).execute()
    const { statements } = await lookUp('100', '102')
    t.strictSame(statements, ['prepared call_rows_v1'])
    const busy = await lookUp('failed_100_USER_BUSY', '102', { variable_originate_failed_cause: 'USER_BUSY' })
    t.match(busy.answer.actions.find(([app]) => app === 'bridge')?.[1] ?? '', /sofia\/gateway\/carrier\/\+15555550177$/, 'the busy forward rings')
    t.strictSame(busy.statements, ['prepared call_rows_v1'], 'the follow-up lookup too')
  })

  t.test('an outbound call: one statement', async (t) => {
    const { answer, statements } = await lookUp('+15555550123', '102')
    t.match(answer.actions.find(([app]) => app === 'bridge')?.[1] ?? '', /sofia\/gateway\/carrier\/\+15555550123$/)
    t.strictSame(statements, ['prepared call_rows_v1'])
  })

  t.test("a carrier's DID call: two statements (the DID, then the callee's)", async (t) => {
    const d = await db.selectFrom('domains').select('id').executeTakeFirstOrThrow()
    const alice = await db.selectFrom('extensions').select('id').where('extension', '=', '100').executeTakeFirstOrThrow()
    await db.insertInto('dids').values({ number: '15555551000', domain_id: d.id, extension_id: alice.id }).execute()
    log.kinds.length = 0
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: callRequest({ context: 'public', to: '+15555551000' }) })
    const bridges = dialplanOf(parseXml(res.body)).actions.filter(([app]) => app === 'bridge').map(([, data]) => data ?? '')
    t.ok(bridges.some((b) => b.includes('sofia/gateway/carrier/')), "the callee's Follow Me mobile rings")
    t.strictSame(log.kinds, ['SelectQueryNode', 'prepared call_rows_v1'])
  })
})
