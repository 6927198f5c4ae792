import { sql, type Kysely, type RawBuilder } from 'kysely'
import { writeLimitMs } from '../budget.js'
import type { DB, ForwardKind } from '../db/schema.js'
import type { ForwardingSettings, ForwardTarget } from './settings.js'

/** DND and call forwarding rows: reading them for calls and lamps, and the feature codes' writes. SQL lives here only. */

/** call_forwarding's columns as a call's query selects them (left-joined as `cf`: all nullable). */
export const forwardingColumns = [
  'cf.do_not_disturb',
  'cf.do_not_disturb_action',
  'cf.forward_all_enabled',
  'cf.forward_all_kind',
  'cf.forward_all_target',
  'cf.forward_busy_enabled',
  'cf.forward_busy_kind',
  'cf.forward_busy_target',
  'cf.forward_no_answer_enabled',
  'cf.forward_no_answer_kind',
  'cf.forward_no_answer_target',
  'cf.forward_not_registered_enabled',
  'cf.forward_not_registered_kind',
  'cf.forward_not_registered_target',
] as const

export interface ForwardingRow {
  do_not_disturb: boolean | null
  do_not_disturb_action: 'busy' | 'voicemail' | null
  forward_all_enabled: boolean | null
  forward_all_kind: ForwardKind | null
  forward_all_target: string | null
  forward_busy_enabled: boolean | null
  forward_busy_kind: ForwardKind | null
  forward_busy_target: string | null
  forward_no_answer_enabled: boolean | null
  forward_no_answer_kind: ForwardKind | null
  forward_no_answer_target: string | null
  forward_not_registered_enabled: boolean | null
  forward_not_registered_kind: ForwardKind | null
  forward_not_registered_target: string | null
}

function targetOf(kind: ForwardKind | null, target: string | null): ForwardTarget | null {
  return kind === null || target === null ? null : { kind, target }
}

/** The settings of a row (all off without one). */
export function toForwardingSettings(row: ForwardingRow): ForwardingSettings {
  const forward = (enabled: boolean | null, kind: ForwardKind | null, target: string | null) => ({
    enabled: enabled === true && target !== null,
    target: targetOf(kind, target),
  })
  return {
    doNotDisturb: row.do_not_disturb === true,
    doNotDisturbAction: row.do_not_disturb_action ?? 'busy',
    forwards: {
      all: forward(row.forward_all_enabled, row.forward_all_kind, row.forward_all_target),
      busy: forward(row.forward_busy_enabled, row.forward_busy_kind, row.forward_busy_target),
      no_answer: forward(row.forward_no_answer_enabled, row.forward_no_answer_kind, row.forward_no_answer_target),
      not_registered: forward(row.forward_not_registered_enabled, row.forward_not_registered_kind, row.forward_not_registered_target),
    },
  }
}

/** The row of some settings (toForwardingSettings' inverse): what the portal saves whole. */
export function toForwardingRow(settings: ForwardingSettings) {
  const { all, busy, no_answer, not_registered } = settings.forwards
  return {
    do_not_disturb: settings.doNotDisturb,
    do_not_disturb_action: settings.doNotDisturbAction,
    forward_all_enabled: all.enabled,
    forward_all_kind: all.target?.kind ?? null,
    forward_all_target: all.target?.target ?? null,
    forward_busy_enabled: busy.enabled,
    forward_busy_kind: busy.target?.kind ?? null,
    forward_busy_target: busy.target?.target ?? null,
    forward_no_answer_enabled: no_answer.enabled,
    forward_no_answer_kind: no_answer.target?.kind ?? null,
    forward_no_answer_target: no_answer.target?.target ?? null,
    forward_not_registered_enabled: not_registered.enabled,
    forward_not_registered_kind: not_registered.target?.kind ?? null,
    forward_not_registered_target: not_registered.target?.target ?? null,
  }
}

/** What a feature code or BLF key asks for. */
export type ForwardingChange =
  | { setting: 'dnd'; to: 'on' | 'off' | 'toggle' }
  /** target: *72<number> (already checked); none: turn the last target back on. */
  | { setting: 'forward-all'; to: 'on'; target: ForwardTarget | undefined }
  | { setting: 'forward-all'; to: 'off' | 'toggle' }

export interface ChangeAudit {
  source: 'feature_code' | 'blf_key'
  /** e.g. 100@pbx.example.com */
  changedBy: string
  /** FreeSWITCH Unique-ID: a second fetch of the same call's dialplan must not change it again. */
  callUuid: string
  /** When the lookup's budget runs out (epoch ms): committed or rolled back before then. */
  deadline: number
}

export type ForwardingState = { doNotDisturb: boolean; forwardAll: boolean; forwardAllTarget: ForwardTarget | null }

export type ChangeResult =
  | ({ kind: 'state' } & ForwardingState)
  /** Forward all asked on without a number, and none was ever set. */
  | { kind: 'no-target' }
  /** The row's rules refused it (the last target no longer rings: a constraint names why). */
  | { kind: 'refused'; reason: string }

/**
 * Applies `change` to the extension's row (created when missing) in one
 * statement, unless this call already changed it; the triggers keep DND and
 * forward all exclusive, audit the change and announce the lamps. Returns
 * the state after this call's change.
 */
export async function changeForwarding(
  db: Kysely<DB>,
  extensionId: number,
  change: ForwardingChange,
  audit: ChangeAudit,
): Promise<ChangeResult> {
  const limit = writeLimitMs(audit.deadline)
  const notThisCallAgain = sql`not exists (select 1 from call_forwarding_changes where call_uuid = ${audit.callUuid})`
  try {
    const changed = await db.transaction().execute(async (trx) => {
      // A lock wait or a slow statement aborts the transaction before the deadline.
      await sql`select set_config('lock_timeout', ${limit}, true), set_config('statement_timeout', ${limit}, true)`.execute(trx)
      // Read by the audit trigger (migrations/0004): who made the change.
      await sql`select set_config('forwarding.change_source', ${audit.source}, true),
                       set_config('forwarding.changed_by', ${audit.changedBy}, true),
                       set_config('forwarding.call_uuid', ${audit.callUuid}, true)`.execute(trx)
      const { rows } = await statementFor(extensionId, change, notThisCallAgain).execute(trx)
      return rows[0]
    })
    if (changed !== undefined) return { kind: 'state', ...stateOf(changed) }
  } catch (err) {
    const constraint = (err as { constraint?: string }).constraint
    // The same call's dialplan fetched twice at once: the other fetch changed it.
    if (constraint === 'call_forwarding_changes_call_uuid_setting_unique') return current(db, extensionId, change)
    if (constraint?.startsWith('call_forwarding_') === true) return { kind: 'refused', reason: (err as Error).message }
    throw err
  }
  return current(db, extensionId, change)
}

type StateRow = { do_not_disturb: boolean; forward_all_enabled: boolean; forward_all_kind: ForwardKind | null; forward_all_target: string | null }

function stateOf(row: StateRow): ForwardingState {
  return { doNotDisturb: row.do_not_disturb, forwardAll: row.forward_all_enabled, forwardAllTarget: targetOf(row.forward_all_kind, row.forward_all_target) }
}

const RETURNING = sql`returning do_not_disturb, forward_all_enabled, forward_all_kind, forward_all_target`

function statementFor(extensionId: number, change: ForwardingChange, notThisCallAgain: RawBuilder<unknown>): RawBuilder<StateRow> {
  if (change.setting === 'dnd') {
    const value = change.to === 'toggle' ? sql`not cf.do_not_disturb` : sql.lit(change.to === 'on')
    return sql<StateRow>`insert into call_forwarding as cf (extension_id, do_not_disturb) values (${extensionId}, ${change.to !== 'off'})
      on conflict (extension_id) do update set do_not_disturb = ${value} where ${notThisCallAgain} ${RETURNING}`
  }
  if (change.to === 'on' && change.target !== undefined) {
    const { kind, target } = change.target
    return sql<StateRow>`insert into call_forwarding as cf (extension_id, forward_all_enabled, forward_all_kind, forward_all_target)
      values (${extensionId}, true, ${kind}, ${target})
      on conflict (extension_id) do update
        set forward_all_enabled = true, forward_all_kind = excluded.forward_all_kind, forward_all_target = excluded.forward_all_target
      where ${notThisCallAgain} ${RETURNING}`
  }
  // Off, toggle, or on again with the last target: only an existing row with a target can turn on.
  const value = change.to === 'toggle' ? sql`not forward_all_enabled` : sql.lit(change.to === 'on')
  return sql<StateRow>`update call_forwarding set forward_all_enabled = ${value}
    where extension_id = ${extensionId} and (forward_all_target is not null or ${change.to === 'off'}) and ${notThisCallAgain} ${RETURNING}`
}

async function current(db: Kysely<DB>, extensionId: number, change: ForwardingChange): Promise<ChangeResult> {
  const row = await db
    .selectFrom('call_forwarding')
    .select(['do_not_disturb', 'forward_all_enabled', 'forward_all_kind', 'forward_all_target'])
    .where('extension_id', '=', extensionId)
    .executeTakeFirst()
  if (change.setting === 'forward-all' && change.to !== 'off' && (row === undefined || row.forward_all_target === null)) return { kind: 'no-target' }
  if (row === undefined) return { kind: 'state', doNotDisturb: false, forwardAll: false, forwardAllTarget: null }
  return { kind: 'state', ...stateOf(row) }
}

/** The dnd<EXT> and cf<EXT> lamps of `extension` in the enabled domain `domain`; undefined: no such enabled extension. */
export async function forwardLampStates(
  db: Kysely<DB>,
  domain: string,
  extension: string,
): Promise<{ doNotDisturb: boolean; forwardAll: boolean } | undefined> {
  const row = await db
    .selectFrom('extensions as e')
    .innerJoin('domains as d', 'd.id', 'e.domain_id')
    .leftJoin('call_forwarding as cf', 'cf.extension_id', 'e.id')
    .select(['cf.do_not_disturb', 'cf.forward_all_enabled'])
    .where('d.name', '=', domain)
    .where('d.enabled', '=', true)
    .where('e.extension', '=', extension)
    .where('e.enabled', '=', true)
    .executeTakeFirst()
  return row === undefined ? undefined : { doNotDisturb: row.do_not_disturb === true, forwardAll: row.forward_all_enabled === true }
}

/** Every extension's DND and forward-all lamps in the enabled domains (rows only), to send them all again after a gap. */
export async function allForwardLamps(db: Kysely<DB>): Promise<Array<{ domain: string; extension: string; doNotDisturb: boolean; forwardAll: boolean }>> {
  const rows = await db
    .selectFrom('call_forwarding as cf')
    .innerJoin('extensions as e', 'e.id', 'cf.extension_id')
    .innerJoin('domains as d', 'd.id', 'e.domain_id')
    .select(['d.name as domain', 'e.extension', 'cf.do_not_disturb', 'cf.forward_all_enabled'])
    .where('d.enabled', '=', true)
    .orderBy('d.name')
    .orderBy('e.extension')
    .execute()
  return rows.map((r) => ({ domain: r.domain, extension: r.extension, doNotDisturb: r.do_not_disturb, forwardAll: r.forward_all_enabled }))
}
