import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import t from 'tap'
import type { Database } from '../../src/db/database.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// FreeSWITCH's SIP thread waits for every lookup, and under load each round
// trip to Postgres costs more than the query itself (README, Performance).
// These count the statements one lookup sends, through a Kysely plugin on
// the real database: a call to an extension with Follow Me, every kind of
// target and a no-answer transfer takes two (the callee with its Follow Me
// rows, then every target's extension and route at once); an outbound call
// two (the tenant, then the caller and the number's routes).

const D = 'pbx.example.com'

class StatementLog implements KyselyPlugin {
  readonly kinds: string[] = []
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    this.kinds.push(node.kind)
    return node
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result
  }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const log = new StatementLog()
  const counted: Database = { ...database, db: database.db.withPlugin(log) }
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

  const lookUp = async (to: string, from: string) => {
    log.kinds.length = 0
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: callRequest({ context: D, from, to }) })
    t.equal(res.statusCode, 200)
    return { answer: dialplanOf(parseXml(res.body)), statements: [...log.kinds] }
  }

  t.test('a Follow Me call with an extension, a mobile and a no-answer transfer: two statements', async (t) => {
    const { answer, statements } = await lookUp('100', '102')
    const bridges = answer.actions.filter(([app]) => app === 'bridge').map(([, data]) => data ?? '')
    t.ok(bridges.some((b) => b.includes('sofia_contact(*/101@')), 'the extension destination rings')
    t.ok(bridges.some((b) => b.includes('sofia/gateway/carrier/')), 'the mobile rings through its route')
    t.ok(answer.actions.some(([app, data]) => app === 'bridge' && data?.includes('15555550199') === true), 'the transfer target was routed as a number')
    t.strictSame(statements, ['SelectQueryNode', 'SelectQueryNode'])
  })

  t.test('an outbound call: two statements', async (t) => {
    const { answer, statements } = await lookUp('+15555550123', '102')
    t.match(answer.actions.find(([app]) => app === 'bridge')?.[1] ?? '', /sofia\/gateway\/carrier\/\+15555550123$/)
    t.strictSame(statements, ['SelectQueryNode', 'SelectQueryNode'])
  })
})
