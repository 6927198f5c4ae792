import { sql } from 'kysely'
import t from 'tap'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension, violatedConstraint } from '../helpers/rows.js'

// migrations/0006 is the operators' interface: everything commented, rows constrained.

eachDatabase(t, async (t, database) => {
  const { db } = database
  t.test('every table, view and column of the status schema has a comment', async (t) => {
    const missing = await sql<{ what: string }>`
      SELECT c.relname || coalesce('.' || a.attname, '') AS what
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE c.relname IN ('registrations', 'registration_events', 'extension_channels', 'registration_failures', 'extension_status', 'extension_flaps')
         AND col_description(c.oid, coalesce(a.attnum, 0)) IS NULL
         AND (a.attnum IS NOT NULL OR obj_description(c.oid, 'pg_class') IS NULL)`.execute(db)
    t.strictSame(missing.rows, [])
  })

  t.test('constraints name the column that is wrong', async (t) => {
    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    const other = await insertDomain(db, 'other.example.com')
    const row = { domain_id: d, extension_id: e, node: 'fs1', profile: 'internal', call_id: 'c', contact: 'x', expires_at: new Date() }
    t.equal(await violatedConstraint(db.insertInto('registrations').values({ ...row, transport: 'sctp' as never }).execute()), 'registrations_transport_valid')
    t.equal(await violatedConstraint(db.insertInto('registrations').values({ ...row, node: 'fs 1' }).execute()), 'registrations_node_name')
    t.equal(await violatedConstraint(db.insertInto('registrations').values({ ...row, domain_id: other }).execute()), 'registrations_extension_in_domain')
    t.equal(await violatedConstraint(db.insertInto('registrations').values({ ...row, network_port: 0 }).execute()), 'registrations_network_port_range')
    t.equal(await violatedConstraint(db.insertInto('registration_events').values({ domain_id: d, extension_id: e, kind: 'flapped' as never, reason: 'registered', node: 'fs1' }).execute()), 'registration_events_kind_valid')
    t.equal(await violatedConstraint(db.insertInto('extension_channels').values({ node: 'fs1', uuid: 'u', domain_id: d, extension_id: e, direction: 'both' as never }).execute()), 'extension_channels_direction_valid')
    t.equal(await violatedConstraint(sql`INSERT INTO registration_failures VALUES ('192.0.2.1', now(), 'fs1', 1, now(), now())`.execute(db)), 'registration_failures_hour_whole')
  })
})
