import type { Kysely } from 'kysely'
import type { Database, PreparedStatement } from '../db/database.js'
import type { DB } from '../db/schema.js'
import type { DirectoryListingRow } from './listing.js'

export interface DirectoryUserRow {
  domain: string
  extension: string
  sip_password: string
  display_name: string | null
  outbound_caller_id_name: string | null
  outbound_caller_id_number: string | null
  /** The tenant's defaults for the two above (domains.outbound_caller_id_*). */
  tenant_caller_id_name: string | null
  tenant_caller_id_number: string | null
  ring_timeout_s: number
  voicemail_enabled: boolean
  voicemail_pin: string | null
  toll_allow: string[]
}

/** Every REGISTER's query: a named statement, planned once per connection. */
const DIRECTORY_USER: PreparedStatement<DirectoryUserRow> = {
  // A new name for a new text: a connection that prepared v1 keeps it.
  name: 'directory_user_v2',
  text: `select d.name as domain, e.extension, e.sip_password, e.display_name, e.outbound_caller_id_name,
                e.outbound_caller_id_number, d.outbound_caller_id_name as tenant_caller_id_name,
                d.outbound_caller_id_number as tenant_caller_id_number, e.ring_timeout_s, e.voicemail_enabled, e.voicemail_pin, e.toll_allow
           from extensions e join domains d on d.id = e.domain_id
          where d.name = $1 and d.enabled and e.extension = $2 and e.enabled`,
}

/** The enabled extension `extension` of the enabled domain `domain` (lower case), in one query. */
export async function findDirectoryUser(database: Database, domain: string, extension: string): Promise<DirectoryUserRow | undefined> {
  const [row] = await database.prepared(DIRECTORY_USER, [domain, extension])
  return row
}

/**
 * The extensions dial-by-name lists: enabled, directory_visible, of the
 * enabled domain `domain`, by number. Undefined: no such enabled domain.
 */
export async function listDirectoryExtensions(db: Kysely<DB>, domain: string): Promise<DirectoryListingRow[] | undefined> {
  const rows = await db
    .selectFrom('domains as d')
    .leftJoin('extensions as e', (join) => join.onRef('e.domain_id', '=', 'd.id').on('e.enabled', '=', true).on('e.directory_visible', '=', true))
    .select(['e.extension', 'e.display_name', 'e.directory_first_name', 'e.directory_last_name', 'e.directory_exten_visible'])
    .where('d.name', '=', domain)
    .where('d.enabled', '=', true)
    .orderBy('e.extension')
    .execute()
  if (rows.length === 0) return undefined
  return rows.flatMap((r) =>
    r.extension === null || r.directory_exten_visible === null
      ? []
      : [{ extension: r.extension, display_name: r.display_name, directory_first_name: r.directory_first_name, directory_last_name: r.directory_last_name, directory_exten_visible: r.directory_exten_visible }],
  )
}

/** Names of the enabled domains, for sofia's `<domain name="all">` at profile start. */
export async function listEnabledDomains(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('domains').select('name').where('enabled', '=', true).orderBy('name').execute()
  return rows.map((r) => r.name)
}
