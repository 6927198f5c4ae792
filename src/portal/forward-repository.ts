import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { toForwardingRow } from '../forwards/repository.js'
import type { ForwardingSettings } from '../forwards/settings.js'
import type { Account } from './repository.js'

/** The portal's write of call_forwarding. SQL lives here only. */

export type ForwardingSaved = { ok: true } | { ok: false; column: string; reason: string }

/**
 * Writes the extension's whole call_forwarding row in one transaction,
 * creating it when missing (an extension without a row has everything
 * off). The triggers of migrations/0004 do the rest, as for every other
 * path: they check the targets against the tenant (a target deleted or
 * disabled since the page checked it is refused with a constraint naming
 * the column), audit each changed setting in call_forwarding_changes
 * (source portal, changed_by the user, from the transaction-local settings
 * set here), and announce call_forwarding_changed (the dnd<EXT>/cf<EXT>
 * lamps) and lookup_changed (the lookup cache) at COMMIT.
 */
export async function saveForwarding(db: Kysely<DB>, account: Account, settings: ForwardingSettings): Promise<ForwardingSaved> {
  const columns = toForwardingRow(settings)
  try {
    await db.transaction().execute(async (trx) => {
      // Read by the audit trigger (migrations/0004): who made the change.
      await sql`select set_config('forwarding.change_source', 'portal', true),
                       set_config('forwarding.changed_by', ${`${account.extension}@${account.domain}`}, true)`.execute(trx)
      await trx
        .insertInto('call_forwarding')
        .values({ extension_id: account.extensionId, ...columns })
        .onConflict((oc) => oc.column('extension_id').doUpdateSet(columns))
        .execute()
    })
  } catch (err) {
    const e = err as { code?: string; constraint?: string; column?: string; message?: string }
    // 23514 check_violation: the row's rules (its CHECKs and the target trigger) refused it.
    if (e.code === '23514' && e.constraint?.startsWith('call_forwarding_') === true) {
      return { ok: false, column: e.column ?? columnOf(e.constraint), reason: e.message ?? e.constraint }
    }
    throw err
  }
  return { ok: true }
}

/** call_forwarding_forward_busy_target_format -> forward_busy_target: a CHECK's column from its name. */
function columnOf(constraint: string): string {
  const m = /^call_forwarding_(forward_[a-z_]+?)_target_/.exec(constraint)
  return m === null ? 'do_not_disturb' : `${m[1] as string}_target`
}
