import type { Kysely } from 'kysely'
import type { Database, PreparedStatement } from '../db/database.js'
import type { DB } from '../db/schema.js'

export interface DirectoryUserRow {
  domain: string
  extension: string
  sip_password: string
  display_name: string | null
  outbound_caller_id_name: string | null
  outbound_caller_id_number: string | null
  ring_timeout_s: number
  voicemail_enabled: boolean
  voicemail_pin: string | null
  toll_allow: string[]
}

/** Every REGISTER's query: a named statement, planned once per connection. */
const DIRECTORY_USER: PreparedStatement<DirectoryUserRow> = {
  name: 'directory_user_v1',
  text: `select d.name as domain, e.extension, e.sip_password, e.display_name, e.outbound_caller_id_name,
                e.outbound_caller_id_number, e.ring_timeout_s, e.voicemail_enabled, e.voicemail_pin, e.toll_allow
           from extensions e join domains d on d.id = e.domain_id
          where d.name = $1 and d.enabled and e.extension = $2 and e.enabled`,
}

/** The enabled extension `extension` of the enabled domain `domain` (lower case), in one query. */
export async function findDirectoryUser(database: Database, domain: string, extension: string): Promise<DirectoryUserRow | undefined> {
  const [row] = await database.prepared(DIRECTORY_USER, [domain, extension])
  return row
}

/** Names of the enabled domains, for sofia's `<domain name="all">` at profile start. */
export async function listEnabledDomains(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('domains').select('name').where('enabled', '=', true).orderBy('name').execute()
  return rows.map((r) => r.name)
}
