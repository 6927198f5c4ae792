import { sql, type Kysely } from 'kysely'
import { writeLimitMs } from '../budget.js'
import type { DB } from '../db/schema.js'

/** Follow Me's on/off switch and the lamp's state. SQL lives here only. */

export interface Change {
  source: 'feature_code' | 'blf_key'
  /** e.g. 100@pbx.example.com */
  changedBy: string
  /** FreeSWITCH Unique-ID: a second fetch of the same call's dialplan must not flip again. */
  callUuid: string
  /**
   * When the lookup's budget runs out (epoch ms). The change is committed or
   * rolled back before then: a lookup answered 503 (FreeSWITCH falls back,
   * the caller hears nothing) must not flip the flag later, when a lock it
   * waited for goes.
   */
  deadline: number
}

/**
 * Flips follow_me.enabled of `extension` in one statement, unless this call
 * already did; the trigger audits it and announces the lamp's new state.
 * Returns the state after the call's change, or 'not-provisioned' when the
 * extension has no follow_me row.
 */
export async function toggleFollowMe(
  db: Kysely<DB>,
  domainId: number,
  extension: string,
  change: Change,
): Promise<boolean | 'not-provisioned'> {
  const extensionId = db
    .selectFrom('extensions')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('extension', '=', extension)
  const limit = writeLimitMs(change.deadline)
  try {
    const flipped = await db.transaction().execute(async (trx) => {
      // A lock wait or a slow statement aborts the transaction before the deadline.
      await sql`select set_config('lock_timeout', ${limit}, true), set_config('statement_timeout', ${limit}, true)`.execute(trx)
      // Read by the trigger (migrations/0002): who made the change.
      await sql`select set_config('followme.change_source', ${change.source}, true),
                       set_config('followme.changed_by', ${change.changedBy}, true),
                       set_config('followme.call_uuid', ${change.callUuid}, true)`.execute(trx)
      return trx
        .updateTable('follow_me')
        .set((eb) => ({ enabled: eb.not('enabled') }))
        .where('extension_id', '=', extensionId)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('follow_me_changes').select('id').where('call_uuid', '=', change.callUuid))),
        )
        .returning('enabled')
        .executeTakeFirst()
    })
    if (flipped !== undefined) return flipped.enabled
  } catch (err) {
    // The same call's dialplan fetched twice at once: the other fetch flipped it.
    if ((err as { constraint?: string }).constraint !== 'follow_me_changes_call_uuid_unique') throw err
  }
  const current = await db.selectFrom('follow_me').select('enabled').where('extension_id', '=', extensionId).executeTakeFirst()
  return current === undefined ? 'not-provisioned' : current.enabled
}

/**
 * Whether the lamp of `extension` in the enabled domain `domain` is on;
 * false without a follow_me row; undefined when there is no such enabled
 * extension.
 */
export async function lampState(db: Kysely<DB>, domain: string, extension: string): Promise<boolean | undefined> {
  const row = await db
    .selectFrom('extensions as e')
    .innerJoin('domains as d', 'd.id', 'e.domain_id')
    .leftJoin('follow_me as fm', 'fm.extension_id', 'e.id')
    .select('fm.enabled')
    .where('d.name', '=', domain)
    .where('d.enabled', '=', true)
    .where('e.extension', '=', extension)
    .where('e.enabled', '=', true)
    .executeTakeFirst()
  return row === undefined ? undefined : row.enabled === true
}

/** Every Follow Me lamp of the enabled domains, to set them all again after a gap. */
export async function allLamps(db: Kysely<DB>): Promise<Array<{ domain: string; extension: string; enabled: boolean }>> {
  return db
    .selectFrom('follow_me as fm')
    .innerJoin('extensions as e', 'e.id', 'fm.extension_id')
    .innerJoin('domains as d', 'd.id', 'e.domain_id')
    .select(['d.name as domain', 'e.extension', 'fm.enabled'])
    .where('d.enabled', '=', true)
    .orderBy('d.name')
    .orderBy('e.extension')
    .execute()
}
