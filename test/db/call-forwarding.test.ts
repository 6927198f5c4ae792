import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension, violatedConstraint } from '../helpers/rows.js'

// migrations/0004 as an operator meets it in psql: what the constraints
// refuse (named after the column), DND and forward all kept exclusive in one
// statement, every change audited, lamps and the cache told.

eachDatabase(t, async (t, database) => {
  const { db } = database
  let ids: { a100: number; a101: number; a102: number; b200: number }
  t.beforeEach(async () => {
    const a = await insertDomain(db, 'a.example.com')
    const b = await insertDomain(db, 'b.example.com')
    ids = {
      a100: await insertExtension(db, a, '100'),
      a101: await insertExtension(db, a, '101'),
      a102: await insertExtension(db, a, '102', { voicemail_enabled: false }),
      b200: await insertExtension(db, b, '200'),
    }
  })
  const insert = (values: Record<string, unknown>) => sql`insert into call_forwarding ${sql.raw(columns(values))}`.execute(db)
  const columns = (values: Record<string, unknown>) => {
    const entries = Object.entries({ extension_id: ids.a100, ...values })
    return `(${entries.map(([k]) => k).join(', ')}) values (${entries.map(([, v]) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')})`
  }

  t.test('targets that cannot ring are refused, naming the rule', async (t) => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ forward_all_enabled: true }, 'call_forwarding_forward_all_target_required'],
      [{ forward_busy_kind: 'extension' }, 'call_forwarding_forward_busy_target_with_kind'],
      [{ forward_busy_kind: 'phone', forward_busy_target: '101' }, 'call_forwarding_forward_busy_kind_valid'],
      [{ forward_no_answer_kind: 'external', forward_no_answer_target: '555${x}' }, 'call_forwarding_forward_no_answer_target_format'],
      [{ forward_not_registered_kind: 'extension', forward_not_registered_target: '+101' }, 'call_forwarding_forward_not_registered_target_format'],
      [{ forward_all_kind: 'extension', forward_all_target: '200' }, 'call_forwarding_forward_all_target_in_domain'],
      [{ forward_all_kind: 'extension', forward_all_target: '100' }, 'call_forwarding_forward_all_target_not_itself'],
      [{ forward_busy_kind: 'voicemail', forward_busy_target: '102' }, 'call_forwarding_forward_busy_target_has_voicemail'],
      [{ forward_busy_kind: 'voicemail', forward_busy_target: '999' }, 'call_forwarding_forward_busy_target_in_domain'],
      [{ do_not_disturb_action: 'ring' }, 'call_forwarding_do_not_disturb_action_valid'],
      [{ do_not_disturb: true, forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '101' }, 'call_forwarding_dnd_or_forward_all'],
    ]
    for (const [values, constraint] of cases) t.equal(await violatedConstraint(insert(values)), constraint, JSON.stringify(values))
    t.equal(await violatedConstraint(insert({ forward_busy_kind: 'voicemail', forward_busy_target: '100', forward_all_kind: 'external', forward_all_target: '+15555550100' })), '(no error)', 'its own box, an external number')
  })

  t.test('DND and forward all: turning one on turns the other off, in the same statement', async (t) => {
    await insert({ forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '101' })
    const state = () => db.selectFrom('call_forwarding').select(['do_not_disturb', 'forward_all_enabled', 'forward_all_target']).executeTakeFirstOrThrow()
    await db.updateTable('call_forwarding').set({ do_not_disturb: true }).execute()
    t.strictSame(await state(), { do_not_disturb: true, forward_all_enabled: false, forward_all_target: '101' })
    await db.updateTable('call_forwarding').set({ forward_all_enabled: true }).execute()
    t.strictSame(await state(), { do_not_disturb: false, forward_all_enabled: true, forward_all_target: '101' })
    t.equal(await violatedConstraint(db.updateTable('call_forwarding').set({ do_not_disturb: true, forward_all_enabled: false }).execute()), '(no error)')
    await db.updateTable('call_forwarding').set({ do_not_disturb: false, forward_all_enabled: false }).execute()
    t.equal(
      await violatedConstraint(db.updateTable('call_forwarding').set({ do_not_disturb: true, forward_all_enabled: true }).execute()),
      'call_forwarding_dnd_or_forward_all',
      'both turned on at once: refused, the rows never say both',
    )
  })

  t.test('a forward whose target went away does not block other changes', async (t) => {
    await insert({ forward_busy_enabled: true, forward_busy_kind: 'extension', forward_busy_target: '101' })
    await db.deleteFrom('extensions').where('id', '=', ids.a101).execute()
    t.equal(await violatedConstraint(db.updateTable('call_forwarding').set({ do_not_disturb: true }).execute()), '(no error)')
    t.equal(
      await violatedConstraint(db.updateTable('call_forwarding').set({ forward_busy_enabled: true }).execute()),
      '(no error)',
      'unchanged forward: not checked again',
    )
    t.equal(
      await violatedConstraint(db.updateTable('call_forwarding').set({ forward_busy_target: '101', forward_busy_kind: 'voicemail' }).execute()),
      'call_forwarding_forward_busy_target_in_domain',
      'changed: checked',
    )
  })

  t.test('every change through SQL is audited as sql, and announced for lamps and the cache', async (t) => {
    const listener = new pg.Client({ connectionString: database.url })
    await listener.connect()
    t.teardown(() => listener.end())
    await listener.query('LISTEN call_forwarding_changed')
    await listener.query('LISTEN lookup_changed')
    const heard: Array<{ channel: string; payload: Record<string, unknown> }> = []
    listener.on('notification', (n) => {
      const payload = JSON.parse(n.payload ?? '{}') as Record<string, unknown>
      if (payload.schema === database.schema) heard.push({ channel: n.channel, payload })
    })
    await insert({ do_not_disturb: true })
    await db.updateTable('call_forwarding').set({ forward_all_enabled: true, forward_all_kind: 'external', forward_all_target: '+15555550100' }).execute()
    await db.updateTable('call_forwarding').set({ forward_no_answer_enabled: true, forward_no_answer_kind: 'voicemail', forward_no_answer_target: '101' }).execute()
    await db.deleteFrom('call_forwarding').execute()
    const deadline = Date.now() + 3000
    while (heard.filter((h) => h.channel === 'call_forwarding_changed').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 100))
    const schema = database.schema
    t.strictSame(heard.filter((h) => h.channel === 'call_forwarding_changed').map((h) => h.payload), [
      { schema, domain: 'a.example.com', extension: '100', do_not_disturb: true, forward_all: false },
      { schema, domain: 'a.example.com', extension: '100', do_not_disturb: false, forward_all: true },
      { schema, domain: 'a.example.com', extension: '100', do_not_disturb: false, forward_all: false },
    ], 'lamps: only when DND or forward all changed (not for the no-answer forward)')
    t.equal(heard.filter((h) => h.channel === 'lookup_changed' && h.payload.table === 'call_forwarding').length, 4, 'the cache: every statement')
    const role = (await sql<{ r: string }>`select current_user as r`.execute(db)).rows[0]?.r
    const audit = await db.selectFrom('call_forwarding_changes').select(['setting', 'old_enabled', 'new_enabled', 'old_target', 'new_target', 'source', 'changed_by', 'call_uuid']).orderBy('id').execute()
    t.strictSame(audit, [
      { setting: 'do_not_disturb', old_enabled: null, new_enabled: true, old_target: null, new_target: 'busy', source: 'sql', changed_by: role, call_uuid: null },
      { setting: 'do_not_disturb', old_enabled: true, new_enabled: false, old_target: 'busy', new_target: 'busy', source: 'sql', changed_by: role, call_uuid: null },
      { setting: 'forward_all', old_enabled: false, new_enabled: true, old_target: null, new_target: 'external:+15555550100', source: 'sql', changed_by: role, call_uuid: null },
      { setting: 'forward_no_answer', old_enabled: false, new_enabled: true, old_target: null, new_target: 'voicemail:101', source: 'sql', changed_by: role, call_uuid: null },
    ])
  })
})
