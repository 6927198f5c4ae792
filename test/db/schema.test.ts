import { sql } from 'kysely'
import t from 'tap'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension, violatedConstraint } from '../helpers/rows.js'

// Every CHECK in migrations/0001 rejects what it should, with its own name,
// at INSERT time: bad rows never reach a call.

const DIAL_STRING_METACHARACTERS = [',', '|', '[', ']', '{', '}', "'", '\\', ':_:', '^^', '${x}', ' ', '&', ';']

eachDatabase(t, async (t, { db }) => {
  t.test('domains: names are lower-case hostnames, unique, not reserved', async (t) => {
    await insertDomain(db, 'pbx.example.com')
    await insertDomain(db, '192.0.2.10')
    t.equal(await violatedConstraint(insertDomain(db, 'pbx.example.com')), 'domains_name_unique')
    t.equal(await violatedConstraint(insertDomain(db, 'PBX.example.org')), 'domains_name_lower_case')
    for (const bad of ['pbx..example.com', '-pbx.example.com', 'pbx_example.com', 'pbx.example.com,x', '', 'a b']) {
      t.equal(await violatedConstraint(insertDomain(db, bad)), 'domains_name_valid_hostname', JSON.stringify(bad))
    }
    t.equal(await violatedConstraint(insertDomain(db, 'public')), 'domains_name_not_reserved')
    t.equal(await violatedConstraint(insertDomain(db, 'global')), 'domains_name_not_reserved')
  })

  t.test('extensions: defaults', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const id = await insertExtension(db, d, '100')
    const row = await db.selectFrom('extensions').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    t.match(row, { ring_timeout_s: 30, voicemail_enabled: true, enabled: true, voicemail_pin: null })
    t.strictSame(row.toll_allow, [])
  })

  t.test('extensions: each constraint rejects a bad value', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    await insertExtension(db, d, '100')
    const cases: Array<[string, Parameters<typeof insertExtension>[3], string?]> = [
      ['extensions_domain_extension_unique', {}, '100'],
      ['extensions_toll_allow_classes', { toll_allow: ['local', ''] }],
      ['extensions_extension_digits', {}, '10a'],
      ['extensions_extension_digits', {}, '*21'],
      ['extensions_extension_digits', {}, '1234567890123456'],
      ['extensions_sip_password_length', { sip_password: '123' }],
      ['extensions_sip_password_printable', { sip_password: 'abc\ndef' }],
      ['extensions_display_name_safe', { display_name: 'Bob ${uuid}' }],
      ['extensions_display_name_safe', { display_name: 'Bob\u0007' }],
      ['extensions_display_name_safe', { display_name: 'x'.repeat(65) }],
      ['extensions_outbound_caller_id_name_safe', { outbound_caller_id_name: 'A|B' }],
      ['extensions_outbound_caller_id_number_digits', { outbound_caller_id_number: '555-1234' }],
      ['extensions_ring_timeout_s_range', { ring_timeout_s: 0 }],
      ['extensions_ring_timeout_s_range', { ring_timeout_s: 601 }],
      ['extensions_voicemail_pin_digits', { voicemail_pin: '12a4' }],
      ['extensions_voicemail_pin_digits', { voicemail_pin: '123' }],
      ['extensions_toll_allow_classes', { toll_allow: ['local', 'Inter national'] }],
      ['extensions_toll_allow_classes', { toll_allow: ['local,intl'] }],
    ]
    for (const [constraint, values, extension] of cases) {
      t.equal(await violatedConstraint(insertExtension(db, d, extension ?? '101', values)), constraint, JSON.stringify(values ?? extension))
    }
    for (const meta of DIAL_STRING_METACHARACTERS) {
      t.equal(
        await violatedConstraint(insertExtension(db, d, '101', { outbound_caller_id_number: `555${meta}1` })),
        'extensions_outbound_caller_id_number_digits',
        `caller ID number with ${meta}`,
      )
    }
    // What operators do write is accepted (the caller ID number is no DID
    // of this tenant: it allows any, migrations/0007).
    await db.updateTable('domains').set({ outbound_caller_id_any_number: true }).where('id', '=', d).execute()
    await insertExtension(db, d, '101', {
      display_name: "Zoë O'Brien, Sales",
      outbound_caller_id_name: 'Acme Ltd.',
      outbound_caller_id_number: '+15551234567',
      voicemail_pin: '0000',
      toll_allow: ['local', 'domestic', 'international'],
    })
    t.pass('a valid extension inserts')
  })

  t.test('follow_me: enumerations, ranges and the transfer target', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    const insert = (values: Record<string, unknown>) =>
      db.insertInto('follow_me').values({ extension_id: e, ...values }).execute()
    t.equal(await violatedConstraint(insert({ strategy: 'round-robin' })), 'follow_me_strategy_valid')
    t.equal(await violatedConstraint(insert({ ring_extension_first_s: -1 })), 'follow_me_ring_extension_first_s_range')
    t.equal(await violatedConstraint(insert({ no_answer_action: 'voicemail-box' })), 'follow_me_no_answer_action_valid')
    t.equal(await violatedConstraint(insert({ no_answer_action: 'transfer' })), 'follow_me_no_answer_target_required')
    t.equal(await violatedConstraint(insert({ external_caller_id: 'fixed' })), 'follow_me_external_caller_id_valid')
    for (const meta of DIAL_STRING_METACHARACTERS) {
      t.equal(
        await violatedConstraint(insert({ no_answer_action: 'transfer', no_answer_target: `100${meta}` })),
        'follow_me_no_answer_target_number',
        `no_answer_target with ${meta}`,
      )
    }
    await insert({})
    const row = await db.selectFrom('follow_me').selectAll().executeTakeFirstOrThrow()
    t.match(row, {
      enabled: false,
      strategy: 'sequential',
      ring_extension_first_s: 20,
      no_answer_action: 'voicemail',
      no_answer_target: null,
      external_caller_id: 'caller',
    })
  })

  t.test('follow_me_destinations: targets, ranges, voicemail last', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    await db.insertInto('follow_me').values({ extension_id: e }).execute()
    const insert = (values: Record<string, unknown>) =>
      db
        .insertInto('follow_me_destinations')
        .values({ extension_id: e, position: 1, kind: 'extension', target: '101', ...values })
        .execute()

    t.equal(await violatedConstraint(insert({ kind: 'sip-uri' })), 'follow_me_destinations_kind_valid')
    t.equal(await violatedConstraint(insert({ position: 0 })), 'follow_me_destinations_position_range')
    t.equal(await violatedConstraint(insert({ delay_s: 601 })), 'follow_me_destinations_delay_s_range')
    t.equal(await violatedConstraint(insert({ ring_for_s: 0 })), 'follow_me_destinations_ring_for_s_range')
    t.equal(
      await violatedConstraint(insert({ kind: 'voicemail', confirm: true })),
      'follow_me_destinations_voicemail_no_confirm',
    )
    t.equal(await violatedConstraint(insert({ kind: 'extension', target: '+101' })), 'follow_me_destinations_target_format')
    for (const kind of ['extension', 'external', 'voicemail']) {
      for (const meta of DIAL_STRING_METACHARACTERS) {
        t.equal(
          await violatedConstraint(insert({ kind, target: `5551${meta}2` })),
          'follow_me_destinations_target_format',
          `${kind} target with ${meta}`,
        )
      }
    }
    t.equal(
      await violatedConstraint(insert({ extension_id: 999 })),
      'follow_me_destinations_extension_id_fkey',
      'a destination needs a follow_me row',
    )

    await insert({ position: 1, kind: 'external', target: '+15551234567' })
    await insert({ position: 2, kind: 'voicemail', target: '100' })
    t.equal(await violatedConstraint(insert({ position: 3 })), 'follow_me_destinations_voicemail_last')
    t.equal(await violatedConstraint(insert({ position: 2 })), 'follow_me_destinations_position_unique')

    // Deferred to COMMIT: reordering inside one transaction is fine.
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('follow_me_destinations').set({ position: 5 }).where('kind', '=', 'voicemail').execute()
      await trx
        .insertInto('follow_me_destinations')
        .values({ extension_id: e, position: 3, kind: 'extension', target: '102' })
        .execute()
    })
    const kinds = await db
      .selectFrom('follow_me_destinations')
      .select(['position', 'kind'])
      .orderBy('position')
      .execute()
    t.strictSame(kinds, [
      { position: 1, kind: 'external' },
      { position: 3, kind: 'extension' },
      { position: 5, kind: 'voicemail' },
    ])
  })

  t.test('outbound_routes: anchored valid patterns, safe gateway and digits', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const insert = (values: Record<string, unknown>) =>
      db
        .insertInto('outbound_routes')
        .values({ domain_id: d, priority: 10, pattern: '^1[2-9][0-9]{9}$', gateway: 'carrier1', ...values })
        .execute()
    t.equal(await violatedConstraint(insert({ pattern: '1[2-9][0-9]{9}' })), 'outbound_routes_pattern_anchored')
    t.match(await violatedConstraint(insert({ pattern: '^([0-9]$' })), /invalid regular expression/i)
    for (const meta of DIAL_STRING_METACHARACTERS) {
      t.equal(
        await violatedConstraint(insert({ gateway: `carrier${meta}x` })),
        'outbound_routes_gateway_name',
        `gateway with ${meta}`,
      )
      t.equal(await violatedConstraint(insert({ prepend: `1${meta}` })), 'outbound_routes_prepend_digits', `prepend with ${meta}`)
    }
    t.equal(await violatedConstraint(insert({ strip_digits: 21 })), 'outbound_routes_strip_digits_range')
    t.equal(await violatedConstraint(insert({ toll_class: 'Long Distance' })), 'outbound_routes_toll_class_name')
    await insert({ toll_class: 'domestic', prepend: '+1', strip_digits: 1 })
    t.equal(await violatedConstraint(insert({})), 'outbound_routes_priority_unique')
  })

  t.test('dids: digits only, and the extension must be in the same domain', async (t) => {
    const a = await insertDomain(db, 'a.example.com')
    const b = await insertDomain(db, 'b.example.com')
    const extA = await insertExtension(db, a, '100')
    const insert = (number: string, domainId: number) =>
      db.insertInto('dids').values({ number, domain_id: domainId, extension_id: extA }).execute()
    t.equal(await violatedConstraint(insert('+15551234567', a)), 'dids_number_digits')
    t.equal(await violatedConstraint(insert('15551234567', b)), 'dids_extension_in_domain')
    await insert('15551234567', a)
    t.equal(await violatedConstraint(insert('15551234567', a)), 'dids_pkey')
  })

  t.test('every table and column is commented for \\d+', async (t) => {
    const missing = await sql<{ what: string }>`
      select c.relname || coalesce('.' || a.attname, '') as what
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace and n.nspname = current_schema()
        left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       where c.relkind = 'r' and c.relname <> 'kysely_migration' and c.relname <> 'kysely_migration_lock'
         and col_description(c.oid, coalesce(a.attnum, 0)) is null
         and (a.attnum is not null or obj_description(c.oid, 'pg_class') is null)
       order by 1`.execute(db)
    t.strictSame(missing.rows, [], 'no uncommented table or column')
  })
})
