import { sql } from 'kysely'
import { migrateToLatest } from '../src/db/migrate.js'
import { openPostgres } from '../src/db/postgres.js'

/**
 * The benchmark's tenants, generated in SQL (set-based, seconds for 100k
 * rows): `domains` tenants of `perDomain` extensions each (100…), every
 * fifth with Follow Me on and three destinations (the next extension, an
 * external number with confirm, its own voicemail), two outbound routes per
 * tenant, a DID for every tenth extension. Passwords are known (pw-<ext>) so
 * answers can be checked.
 */
export interface Dataset {
  url: string
  domains: number
  perDomain: number
}

export const domainName = (i: number) => `tenant${i}.example.com`
export const FIRST_EXTENSION = 100

/** Creates the database `name` on the server of `serverUrl`, migrated and filled. */
export async function createDataset(serverUrl: string, name: string, domains: number, perDomain: number): Promise<Dataset> {
  const admin = openPostgres({ url: serverUrl, maxConnections: 1 })
  await sql`drop database if exists ${sql.id(name)}`.execute(admin.db)
  await sql`create database ${sql.id(name)}`.execute(admin.db)
  await admin.close()
  const target = new URL(serverUrl)
  target.pathname = `/${name}`
  const url = target.toString()
  const database = openPostgres({ url, maxConnections: 1 })
  try {
    await migrateToLatest(database)
    const db = database.db
    await sql`insert into domains (name) select 'tenant' || i || '.example.com' from generate_series(1, ${domains}::int) i`.execute(db)
    await sql`
      insert into extensions (domain_id, extension, sip_password, display_name, toll_allow)
      select d.id, (${FIRST_EXTENSION}::int + j)::text, 'pw-' || (${FIRST_EXTENSION}::int + j), 'User ' || j, '{local,domestic}'
        from domains d cross join generate_series(0, ${perDomain - 1}::int) j`.execute(db)
    // Every fifth extension: Follow Me on, sequential or simultaneous alternately.
    await sql`
      insert into follow_me (extension_id, enabled, strategy, ring_extension_first_s)
      select e.id, true, case when e.id % 2 = 0 then 'sequential' else 'simultaneous' end, 15
        from extensions e where (e.extension::int - ${FIRST_EXTENSION}::int) % 5 = 0`.execute(db)
    await sql`
      insert into follow_me_destinations (extension_id, position, kind, target, delay_s, ring_for_s, confirm)
      select fm.extension_id, p.position, p.kind,
             case p.kind when 'extension' then (e.extension::int + 1)::text
                         when 'external' then '+1555' || lpad((e.id % 10000000)::text, 7, '0')
                         else e.extension end,
             p.delay_s, 20, p.kind = 'external'
        from follow_me fm join extensions e on e.id = fm.extension_id
        cross join (values (1, 'extension', 0), (2, 'external', 2), (3, 'voicemail', 0)) as p(position, kind, delay_s)`.execute(db)
    await sql`
      insert into outbound_routes (domain_id, priority, pattern, gateway, toll_class)
      select d.id, r.priority, r.pattern, 'carrier', r.toll_class from domains d
       cross join (values (10, '^\\+?1?([2-9][0-9]{9})$', 'domestic'), (20, '^\\+?[0-9]{7,15}$', 'international')) as r(priority, pattern, toll_class)`.execute(db)
    await sql`
      insert into dids (number, domain_id, extension_id)
      select '1999' || lpad(e.id::text, 7, '0'), e.domain_id, e.id from extensions e
       where (e.extension::int - ${FIRST_EXTENSION}::int) % 10 = 0`.execute(db)
    await sql`analyze`.execute(db)
  } finally {
    await database.close()
  }
  return { url, domains, perDomain }
}
