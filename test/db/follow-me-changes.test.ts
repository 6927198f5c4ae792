import { sql } from 'kysely'
import t from 'tap'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension, violatedConstraint } from '../helpers/rows.js'

// The trigger behind the BLF lamp's "database path": every change of
// follow_me.enabled is audited and announced, however it was made.

eachDatabase(t, async (t, database) => {
  const { db } = database

  t.test('an operator UPDATE is audited as sql and announced on follow_me_changed', async (t) => {
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
    const messages: unknown[] = []
    const unlisten = await database.listen('follow_me_changed', {
      onMessage: (payload) => {
        const parsed = JSON.parse(payload) as { schema: string }
        if (parsed.schema === schema) messages.push(parsed)
      },
      onReconnect: () => {},
      onError: () => {},
    })
    t.teardown(unlisten)

    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    await db.insertInto('follow_me').values({ extension_id: e }).execute()
    await db.updateTable('follow_me').set({ enabled: true }).execute()
    await db.updateTable('follow_me').set({ enabled: true }).execute() // no change: no row, no notice
    await db.updateTable('follow_me').set({ ring_extension_first_s: 5 }).execute() // other column: nothing
    await db.deleteFrom('follow_me').execute()

    const deadline = Date.now() + 3000
    while (messages.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    t.strictSame(messages, [
      { schema, domain: 'pbx.example.com', extension: '100', enabled: false },
      { schema, domain: 'pbx.example.com', extension: '100', enabled: true },
      { schema, domain: 'pbx.example.com', extension: '100', enabled: false },
    ])

    const audit = await db
      .selectFrom('follow_me_changes')
      .select(['old_enabled', 'new_enabled', 'source', 'changed_by', 'call_uuid'])
      .orderBy('id')
      .execute()
    const role = (await sql<{ r: string }>`select current_user as r`.execute(db)).rows[0]?.r
    t.strictSame(audit, [
      { old_enabled: null, new_enabled: false, source: 'sql', changed_by: role, call_uuid: null },
      { old_enabled: false, new_enabled: true, source: 'sql', changed_by: role, call_uuid: null },
    ])
  })

  t.test('the service names itself with transaction-local settings; one change per call', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    await db.insertInto('follow_me').values({ extension_id: e }).execute()
    const flip = (uuid: string) =>
      db.transaction().execute(async (trx) => {
        await sql`select set_config('followme.change_source', 'feature_code', true),
                         set_config('followme.changed_by', '100@pbx.example.com', true),
                         set_config('followme.call_uuid', ${uuid}, true)`.execute(trx)
        await trx.updateTable('follow_me').set((eb) => ({ enabled: eb.not('enabled') })).execute()
      })
    await flip('call-1')
    const last = await db.selectFrom('follow_me_changes').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow()
    t.match(last, { old_enabled: false, new_enabled: true, source: 'feature_code', changed_by: '100@pbx.example.com', call_uuid: 'call-1' })
    t.equal(await violatedConstraint(flip('call-1')), 'follow_me_changes_call_uuid_unique')
    t.equal((await db.selectFrom('follow_me').select('enabled').executeTakeFirstOrThrow()).enabled, true, 'the second flip rolled back')
    // The settings were local to that transaction.
    await db.updateTable('follow_me').set({ enabled: false }).execute()
    const after = await db.selectFrom('follow_me_changes').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow()
    t.match(after, { source: 'sql', call_uuid: null })
  })
})
