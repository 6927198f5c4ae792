import type { Kysely } from 'kysely'
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

/** The enabled extension `extension` of the enabled domain `domain` (lower case), in one query. */
export async function findDirectoryUser(
  db: Kysely<DB>,
  domain: string,
  extension: string,
): Promise<DirectoryUserRow | undefined> {
  return db
    .selectFrom('extensions as e')
    .innerJoin('domains as d', 'd.id', 'e.domain_id')
    .select([
      'd.name as domain',
      'e.extension',
      'e.sip_password',
      'e.display_name',
      'e.outbound_caller_id_name',
      'e.outbound_caller_id_number',
      'e.ring_timeout_s',
      'e.voicemail_enabled',
      'e.voicemail_pin',
      'e.toll_allow',
    ])
    .where('d.name', '=', domain)
    .where('d.enabled', '=', true)
    .where('e.extension', '=', extension)
    .where('e.enabled', '=', true)
    .executeTakeFirst()
}

/** Names of the enabled domains, for sofia's `<domain name="all">` at profile start. */
export async function listEnabledDomains(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('domains').select('name').where('enabled', '=', true).orderBy('name').execute()
  return rows.map((r) => r.name)
}
