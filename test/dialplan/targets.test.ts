import t from 'tap'
import { findCallRows, findTenantAndCallee } from '../../src/dialplan/call-rows.js'
import { targetRows } from '../../src/dialplan/targets.js'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { StatementLog } from '../helpers/statement-log.js'

// The call's statement brings the rows its targets need, and says which
// numbers it looked up. A number it did not consider is asked for, never
// taken as "no such extension" or "no route" (that would be a wrong call).

const D = 'pbx.example.com'

eachDatabase(t, async (t, database) => {
  const { db } = database

  t.beforeEach(async () => {
    const d = await insertDomain(db, D)
    const alice = await insertExtension(db, d, '100', { toll_allow: ['domestic'] })
    await insertExtension(db, d, '101', {})
    await insertExtension(db, d, '102', { enabled: false })
    await insertExtension(db, d, '103', {})
    await db.insertInto('outbound_routes').values([
      { domain_id: d, priority: 20, pattern: '^\\+1[0-9]{10}$', gateway: 'second', toll_class: 'domestic' },
      { domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' },
    ]).execute()
    await db.insertInto('follow_me').values({ extension_id: alice, enabled: false, no_answer_action: 'transfer', no_answer_target: '103' }).execute()
    await db.insertInto('follow_me_destinations').values([
      { extension_id: alice, position: 1, kind: 'extension', target: '101', delay_s: 0, ring_for_s: 20, confirm: false },
      { extension_id: alice, position: 2, kind: 'extension', target: '102', delay_s: 0, ring_for_s: 20, confirm: false },
      { extension_id: alice, position: 3, kind: 'external', target: '+15555550100', delay_s: 0, ring_for_s: 20, confirm: true },
    ]).execute()
  })

  t.test("the statement brings every target its rows name, the caller's row and the dialled number's routes", async (t) => {
    const rows = await findCallRows(database, D, '100', { caller: '101', numbers: ['+15555550123'] })
    if (rows === undefined) throw new Error('the domain was not found')
    t.equal(rows.callee?.info.extension, '100')
    t.strictSame([...rows.targets.numbersAsked].sort(), ['101', '102', '103'], 'destinations, the no-answer target and the caller, even with Follow Me off')
    t.strictSame([...rows.targets.externalsAsked].sort(), ['+15555550100', '+15555550123', '103'])
    t.strictSame([...rows.targets.extensions.keys()].sort(), ['101', '103'], 'a disabled extension is not among them')
    t.strictSame(rows.targets.routes.get('+15555550100')?.map((r) => r.gateway), ['carrier', 'second'], 'routes by priority')
    t.strictSame(rows.targets.routes.get('103'), [], 'asked, and no route matches')
  })

  t.test('an unknown or disabled domain: nothing; a missing callee: the tenant alone, nothing asked', async (t) => {
    t.equal(await findCallRows(database, 'nowhere.example.com', '100'), undefined)
    const rows = await findCallRows(database, D, '199')
    t.equal(rows?.tenant.name, D)
    t.equal(rows?.callee, undefined)
    t.equal(rows?.targets.numbersAsked.size, 0)
    t.equal(rows?.targets.externalsAsked.size, 0)
    const plain = await findCallRows(database, D, '101')
    t.equal(plain?.callee?.followMe, undefined, 'no follow_me row: no Follow Me settings')
    t.strictSame(plain?.callee?.destinations, [])
    await db.updateTable('domains').set({ enabled: false }).execute()
    t.equal(await findCallRows(database, D, '100'), undefined)
  })

  t.test('findTenantAndCallee: the same statement through Kysely, for the portal', async (t) => {
    const found = await findTenantAndCallee(db, D, '100')
    t.equal(found?.tenant.name, D)
    t.strictSame(found?.callee?.followMe, { enabled: false, strategy: 'sequential', ringExtensionFirstS: 20, noAnswerAction: 'transfer', noAnswerTarget: '103', externalCallerId: 'caller' })
    t.strictSame(found?.callee?.destinations.map((d) => d.target), ['101', '102', '+15555550100'])
    t.equal(await findTenantAndCallee(db, 'nowhere.example.com', '100'), undefined)
  })

  t.test('a number the statement did not consider is looked up, not taken as absent; only what was asked comes back', async (t) => {
    const rows = await findCallRows(database, D, '101')
    if (rows === undefined) throw new Error('the domain was not found')
    t.equal(rows.targets.numbersAsked.size, 0, '101 has no targets')
    const queries = new StatementLog()
    const counted = db.withPlugin(queries)
    const both = await targetRows(counted, rows.tenant, rows.targets, ['100', '102'], ['+15555550100'])
    t.strictSame([...both.extensions.keys()], ['100'], '102 is disabled')
    t.strictSame(both.routes.get('+15555550100')?.map((r) => r.gateway), ['carrier', 'second'])
    const extensionsOnly = await targetRows(counted, rows.tenant, rows.targets, ['103'], [])
    t.strictSame([...extensionsOnly.extensions.keys()], ['103'])
    const routesOnly = await targetRows(counted, rows.tenant, rows.targets, [], ['+15555550199'])
    t.strictSame(routesOnly.routes.get('+15555550199')?.map((r) => r.gateway), ['carrier', 'second'])
    t.equal(queries.kinds.length, 3, 'one query each time something was missing')

    // What the statement brought: no query, and only the numbers asked.
    const full = await findCallRows(database, D, '100', { caller: '101' })
    if (full === undefined) throw new Error('the domain was not found')
    const some = await targetRows(counted, full.tenant, full.targets, ['101'], ['+15555550100'])
    t.equal(queries.kinds.length, 3, 'no query')
    t.strictSame([...some.extensions.keys()], ['101'], '103 was brought too, but not asked')
    t.strictSame([...some.routes.keys()], ['+15555550100'])
  })
})
