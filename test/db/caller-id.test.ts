import { sql } from 'kysely'
import t from 'tap'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension, violatedConstraint } from '../helpers/rows.js'

// migrations/0007: every bad value is refused by a constraint named after its
// table and column, and the DID rule names the column to change.

/** The column a failed statement names (Postgres' error field), with its constraint. */
async function violated(work: Promise<unknown>): Promise<{ constraint: string; column: string | undefined; message: string }> {
  try {
    await work
  } catch (err) {
    const e = err as { constraint?: string; column?: string; message?: string }
    return { constraint: e.constraint ?? '(none)', column: e.column, message: e.message ?? '' }
  }
  return { constraint: '(no error)', column: undefined, message: '' }
}

eachDatabase(t, async (t, database) => {
  const { db } = database

  t.test('inbound_caller_id_prefix: short, no character FreeSWITCH cuts names at or parses', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    for (const bad of ['EXT: ', 'a/b', 'x@y', '', ' EXT', 'x'.repeat(17), 'a,b', 'a}b', 'a|b', '${x}', "it's", 'a"b', 'a\\b', 'a^b', 'a=b', 'a<b', 'a&b', 'a\tb', 'Zoë']) {
      t.equal(
        await violatedConstraint(insertExtension(db, d, '100', { inbound_caller_id_prefix: bad })),
        'extensions_inbound_caller_id_prefix_safe',
        JSON.stringify(bad),
      )
    }
    for (const [i, good] of ['EXT#', 'EXT ', 'SALES-1 ', '*VIP*', 'x'.repeat(16), '+1.Support_'].entries()) {
      await insertExtension(db, d, String(200 + i), { inbound_caller_id_prefix: good })
    }
    t.pass('allowed prefixes insert')
  })

  t.test('directory names: display_name rules; the last name is one word', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    t.equal(await violatedConstraint(insertExtension(db, d, '100', { directory_last_name: 'Van Berg' })), 'extensions_directory_last_name_safe')
    t.equal(await violatedConstraint(insertExtension(db, d, '100', { directory_last_name: 'a$b' })), 'extensions_directory_last_name_safe')
    t.equal(await violatedConstraint(insertExtension(db, d, '100', { directory_first_name: ' Ann' })), 'extensions_directory_first_name_safe')
    t.equal(await violatedConstraint(insertExtension(db, d, '100', { directory_first_name: 'A{n}' })), 'extensions_directory_first_name_safe')
    await insertExtension(db, d, '100', { directory_first_name: 'Mary Ann', directory_last_name: "O'Brien-Smith" })
    t.pass('real names insert')
  })

  t.test('tenant defaults: the CNAM and number rules of the extension columns', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const set = (values: Record<string, unknown>) => db.updateTable('domains').set(values).where('id', '=', d).execute()
    t.equal(await violatedConstraint(set({ outbound_caller_id_name: 'a|b' })), 'domains_outbound_caller_id_name_safe')
    t.equal(await violatedConstraint(set({ outbound_caller_id_name: '' })), 'domains_outbound_caller_id_name_safe')
    t.equal(await violatedConstraint(set({ outbound_caller_id_number: '555-1234' })), 'domains_outbound_caller_id_number_digits')
  })

  t.test('an outbound caller ID number must be a DID of the tenant unless it allows any', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const other = await insertDomain(db, 'other.example.com')
    const e = await insertExtension(db, d, '100')
    const o = await insertExtension(db, other, '100')
    await db.insertInto('dids').values([{ number: '15555551000', domain_id: d, extension_id: e }, { number: '15555552000', domain_id: other, extension_id: o }]).execute()
    const setExtension = (number: string | null) => db.updateTable('extensions').set({ outbound_caller_id_number: number }).where('id', '=', e).execute()

    const notDid = await violated(setExtension('+15555559999'))
    t.equal(notDid.constraint, 'extensions_outbound_caller_id_number_is_did')
    t.equal(notDid.column, 'outbound_caller_id_number')
    t.match(notDid.message, /domains\.outbound_caller_id_any_number/, 'the error names the switch that allows it')
    t.equal((await violated(setExtension('15555552000'))).constraint, 'extensions_outbound_caller_id_number_is_did', "another tenant's DID")
    t.equal(
      await violatedConstraint(insertExtension(db, d, '101', { outbound_caller_id_number: '+15555559999' })),
      'extensions_outbound_caller_id_number_is_did',
      'on INSERT too',
    )
    await setExtension('+15555551000')
    await setExtension('15555551000')
    await setExtension(null)
    t.pass('its own DID, with or without +, or NULL')

    const tenant = await violated(db.updateTable('domains').set({ outbound_caller_id_number: '+15555559999' }).where('id', '=', d).execute())
    t.equal(tenant.constraint, 'domains_outbound_caller_id_number_is_did')
    t.equal(tenant.column, 'outbound_caller_id_number')

    await db.updateTable('domains').set({ outbound_caller_id_any_number: true }).where('id', '=', d).execute()
    await setExtension('+15555559999')
    await db.updateTable('domains').set({ outbound_caller_id_number: '+15555559998' }).where('id', '=', d).execute()
    t.pass('any number once the tenant allows it')
    const back = await violated(db.updateTable('domains').set({ outbound_caller_id_any_number: false }).where('id', '=', d).execute())
    t.equal(back.constraint, 'domains_outbound_caller_id_number_is_did', 'the tenant default is checked first')
    await db.updateTable('domains').set({ outbound_caller_id_number: null }).where('id', '=', d).execute()
    const inUse = await violated(db.updateTable('domains').set({ outbound_caller_id_any_number: false }).where('id', '=', d).execute())
    t.equal(inUse.constraint, 'domains_outbound_caller_id_any_number_in_use')
    t.equal(inUse.column, 'outbound_caller_id_any_number')
    t.match(inUse.message, /extension 100/)
  })

  t.test('a DID in use as a caller ID cannot go; the tenant or extension going takes it along', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    const f = await insertExtension(db, d, '101')
    await db.insertInto('dids').values([{ number: '15555551000', domain_id: d, extension_id: f }, { number: '15555551001', domain_id: d, extension_id: f }]).execute()
    await db.updateTable('extensions').set({ outbound_caller_id_number: '+15555551000' }).where('id', '=', e).execute()
    const gone = await violated(db.deleteFrom('dids').where('number', '=', '15555551000').execute())
    t.equal(gone.constraint, 'dids_number_outbound_caller_id_in_use')
    t.equal(gone.column, 'number')
    t.match(gone.message, /extension 100/)
    t.equal((await violated(db.updateTable('dids').set({ number: '15555551009' }).where('number', '=', '15555551000').execute())).constraint, 'dids_number_outbound_caller_id_in_use')
    await db.deleteFrom('dids').where('number', '=', '15555551001').execute()
    t.pass('a DID nobody presents goes')
    t.equal((await violated(db.deleteFrom('extensions').where('id', '=', f).execute())).constraint, 'dids_number_outbound_caller_id_in_use', "the DID's extension cannot take it away either")
    await db.deleteFrom('domains').where('id', '=', d).execute()
    const left = await sql<{ n: number }>`select count(*)::int as n from dids`.execute(db)
    t.equal(left.rows[0]?.n, 0, 'the whole tenant goes')
  })

  t.test('every new column is commented', async (t) => {
    const { rows } = await sql<{ column_name: string; comment: string | null }>`
      select c.column_name, col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) as comment
        from information_schema.columns c
       where c.table_schema = current_schema()
         and (c.table_name, c.column_name) in (('domains', 'outbound_caller_id_name'), ('domains', 'outbound_caller_id_number'),
              ('domains', 'outbound_caller_id_any_number'), ('extensions', 'inbound_caller_id_prefix'), ('extensions', 'directory_visible'),
              ('extensions', 'directory_exten_visible'), ('extensions', 'directory_first_name'), ('extensions', 'directory_last_name'))`.execute(db)
    t.equal(rows.length, 8)
    for (const r of rows) t.ok((r.comment ?? '').length > 40, `${r.column_name} has a comment`)
  })
})
