import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { DestinationSettings } from '../followme/plan.js'

/** The portal's rows: credentials, one extension's Follow Me, the save. SQL lives here only. */

export interface Account {
  extensionId: number
  domainId: number
  domain: string
  extension: string
  displayName: string | null
  /** Undefined: the extension has no portal password (it cannot log in). */
  passwordHash: string | undefined
  /** When the password was set (epoch ms): sessions older than it are void. */
  passwordSetAt: number | undefined
}

/** The enabled extension `extension` of the enabled domain `domain`, with its portal credential if any. */
export async function findAccount(db: Kysely<DB>, where: { domain: string; extension: string } | { extensionId: number }): Promise<Account | undefined> {
  let q = db
    .selectFrom('extensions as e')
    .innerJoin('domains as d', 'd.id', 'e.domain_id')
    .leftJoin('portal_credentials as c', 'c.extension_id', 'e.id')
    .select(['e.id', 'e.domain_id', 'd.name', 'e.extension', 'e.display_name', 'c.password_hash', 'c.set_at'])
    .where('d.enabled', '=', true)
    .where('e.enabled', '=', true)
  q = 'extensionId' in where ? q.where('e.id', '=', where.extensionId) : q.where('d.name', '=', where.domain).where('e.extension', '=', where.extension)
  const row = await q.executeTakeFirst()
  if (row === undefined) return undefined
  return {
    extensionId: row.id,
    domainId: row.domain_id,
    domain: row.name,
    extension: row.extension,
    displayName: row.display_name,
    passwordHash: row.password_hash ?? undefined,
    passwordSetAt: row.set_at === null ? undefined : new Date(row.set_at).getTime(),
  }
}

/** Sets (or resets) the portal password hash of extension@domain; false when there is no such extension. */
export async function setPasswordHash(db: Kysely<DB>, domain: string, extension: string, hash: string): Promise<boolean> {
  const ext = await db
    .selectFrom('extensions as e')
    .innerJoin('domains as d', 'd.id', 'e.domain_id')
    .select('e.id')
    .where('d.name', '=', domain)
    .where('e.extension', '=', extension)
    .executeTakeFirst()
  if (ext === undefined) return false
  await db
    .insertInto('portal_credentials')
    .values({ extension_id: ext.id, password_hash: hash })
    .onConflict((oc) => oc.column('extension_id').doUpdateSet({ password_hash: hash, set_at: sql`now()` }))
    .execute()
  return true
}

/** What the user may edit, and what the page shows read-only. */
export interface UserFollowMe {
  enabled: boolean
  strategy: 'sequential' | 'simultaneous'
  userMayChooseStrategy: boolean
  ringExtensionFirstS: number
  destinations: DestinationSettings[]
  /** The administrator's: shown, never edited here. */
  noAnswerAction: 'voicemail' | 'hangup' | 'transfer'
  noAnswerTarget: string | null
  externalCallerId: 'caller' | 'extension'
}

/** The extension's Follow Me; undefined when the administrator has not given it the feature. */
export async function loadFollowMe(db: Kysely<DB>, extensionId: number): Promise<UserFollowMe | undefined> {
  const fm = await db.selectFrom('follow_me').selectAll().where('extension_id', '=', extensionId).executeTakeFirst()
  if (fm === undefined) return undefined
  const rows = await db
    .selectFrom('follow_me_destinations')
    .select(['position', 'kind', 'target', 'delay_s', 'ring_for_s', 'confirm'])
    .where('extension_id', '=', extensionId)
    .orderBy('position')
    .execute()
  return {
    enabled: fm.enabled,
    strategy: fm.strategy,
    userMayChooseStrategy: fm.user_may_choose_strategy,
    ringExtensionFirstS: fm.ring_extension_first_s,
    noAnswerAction: fm.no_answer_action,
    noAnswerTarget: fm.no_answer_target,
    externalCallerId: fm.external_caller_id,
    destinations: rows.map((r) => ({ position: r.position, kind: r.kind, target: r.target, delayS: r.delay_s, ringForS: r.ring_for_s, confirm: r.confirm })),
  }
}

export interface FollowMeEdit {
  enabled: boolean
  /** Applied only when the administrator lets the user choose. */
  strategy: 'sequential' | 'simultaneous'
  ringExtensionFirstS: number
  /** In order; positions are renumbered 1..n. */
  destinations: ReadonlyArray<Omit<DestinationSettings, 'position'>>
}

/**
 * Replaces the extension's Follow Me settings and destinations in one
 * transaction, audited in follow_me_changes (source portal, who, before and
 * after). The flag's trigger (migration 0002) records a change of enabled and
 * relights the lamp; lookup_changed (0003) drops cached answers. Returns
 * false when the follow_me row is gone.
 */
export async function saveFollowMe(db: Kysely<DB>, account: Account, edit: FollowMeEdit): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('followme.change_source', 'portal', true),
                     set_config('followme.changed_by', ${`${account.extension}@${account.domain}`}, true)`.execute(trx)
    // Locked: a *21 at the same moment waits, so "before" is what this save replaces.
    const before = await trx.selectFrom('follow_me').selectAll().where('extension_id', '=', account.extensionId).forUpdate().executeTakeFirst()
    if (before === undefined) return false
    const oldDestinations = await trx
      .selectFrom('follow_me_destinations')
      .select(['position', 'kind', 'target', 'delay_s', 'ring_for_s', 'confirm'])
      .where('extension_id', '=', account.extensionId)
      .orderBy('position')
      .execute()
    const strategy = before.user_may_choose_strategy ? edit.strategy : before.strategy
    await trx
      .updateTable('follow_me')
      .set({ enabled: edit.enabled, strategy, ring_extension_first_s: edit.ringExtensionFirstS })
      .where('extension_id', '=', account.extensionId)
      .execute()
    await trx.deleteFrom('follow_me_destinations').where('extension_id', '=', account.extensionId).execute()
    const newDestinations = edit.destinations.map((d, i) => ({
      position: i + 1,
      kind: d.kind,
      target: d.target,
      delay_s: d.delayS,
      ring_for_s: d.ringForS,
      confirm: d.confirm,
    }))
    if (newDestinations.length > 0) {
      await trx
        .insertInto('follow_me_destinations')
        .values(newDestinations.map((d) => ({ ...d, extension_id: account.extensionId })))
        .execute()
    }
    const oldSettings = JSON.stringify({ strategy: before.strategy, ring_extension_first_s: before.ring_extension_first_s, destinations: oldDestinations })
    const newSettings = JSON.stringify({ strategy, ring_extension_first_s: edit.ringExtensionFirstS, destinations: newDestinations })
    // One audit row per save: the trigger's row when the flag changed (same
    // transaction, so changed_at = now()), else a new one.
    const updated = await sql<{ id: number }>`
      update follow_me_changes set old_settings = ${oldSettings}::jsonb, new_settings = ${newSettings}::jsonb
       where id = (select max(id) from follow_me_changes
                    where extension_id = ${account.extensionId} and source = 'portal'
                      and changed_at = now() and new_settings is null)
      returning id`.execute(trx)
    if (updated.rows.length === 0) {
      await trx
        .insertInto('follow_me_changes')
        .values({
          extension_id: account.extensionId,
          old_enabled: before.enabled,
          new_enabled: edit.enabled,
          source: 'portal',
          changed_by: `${account.extension}@${account.domain}`,
          old_settings: sql`${oldSettings}::jsonb`,
          new_settings: sql`${newSettings}::jsonb`,
        })
        .execute()
    }
    return true
  })
}
