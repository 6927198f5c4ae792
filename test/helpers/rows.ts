import type { Insertable, Kysely } from 'kysely'
import type { DB, ExtensionsTable } from '../../src/db/schema.js'

/** Small row builders for tests: each returns the new row's id. */
export async function insertDomain(db: Kysely<DB>, name: string, enabled = true): Promise<number> {
  const row = await db.insertInto('domains').values({ name, enabled }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function insertExtension(
  db: Kysely<DB>,
  domainId: number,
  extension: string,
  values: Partial<Omit<Insertable<ExtensionsTable>, 'domain_id' | 'extension'>> = {},
): Promise<number> {
  const row = await db
    .insertInto('extensions')
    .values({ domain_id: domainId, extension, sip_password: 'correct horse battery', ...values })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** The constraint a failed statement violated, as Postgres reports it. */
export async function violatedConstraint(work: Promise<unknown>): Promise<string> {
  try {
    await work
  } catch (err) {
    const e = err as { constraint?: string; message?: string }
    return e.constraint ?? `(no constraint) ${e.message ?? String(err)}`
  }
  return '(no error)'
}
