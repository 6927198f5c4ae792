import { CompiledQuery, type Kysely } from 'kysely'
import type { Database, PreparedStatement } from '../db/database.js'
import type { DB } from '../db/schema.js'
import type { ExtensionInfo } from '../followme/plan.js'
import type { RouteRow } from '../outbound/route.js'
import { toCallee, toInfo, type Callee, type CalleeRow, type ExtensionColumns, type Tenant } from './rows.js'

/**
 * Everything a call to an extension reads, in one named prepared statement
 * (one round trip, planned once per connection): the enabled domain, the
 * enabled callee with its Follow Me, destinations and forwards, and the
 * rows its targets need: the enabled extensions among its destinations,
 * no-answer target, forward targets and the caller, and the outbound routes
 * matching its external numbers. Issue 10's profile: under load each round
 * trip cost more than the query itself.
 *
 * The targets are a superset (a Follow Me that is off still has its
 * destinations looked up): cheaper than a second round trip. Which numbers
 * were looked up comes back with them, so the caller can tell a number the
 * statement did not consider from one that has no row (lookUpTargets asks
 * again for the former; nothing is decided from a missing entry).
 */
const CALL_ROWS: PreparedStatement<CallRowsRow> = {
  name: 'call_rows_v1',
  // $1 domain, $2 callee extension (null: none), $3 caller extension (null:
  // none), $4 further numbers to route (an outbound call's number).
  text: `
select dom.id as domain_id, dom.name as domain_name, e.id as extension_id,
       e.extension, e.display_name, e.outbound_caller_id_name, e.outbound_caller_id_number, e.ring_timeout_s,
       e.voicemail_enabled, e.toll_allow, e.inbound_caller_id_prefix,
       dom.outbound_caller_id_name as tenant_caller_id_name, dom.outbound_caller_id_number as tenant_caller_id_number,
       cf.do_not_disturb, cf.do_not_disturb_action,
       cf.forward_all_enabled, cf.forward_all_kind, cf.forward_all_target,
       cf.forward_busy_enabled, cf.forward_busy_kind, cf.forward_busy_target,
       cf.forward_no_answer_enabled, cf.forward_no_answer_kind, cf.forward_no_answer_target,
       cf.forward_not_registered_enabled, cf.forward_not_registered_kind, cf.forward_not_registered_target,
       fm.enabled as fm_enabled, fm.strategy, fm.ring_extension_first_s, fm.no_answer_action, fm.no_answer_target,
       fm.external_caller_id,
       coalesce(dest.list, '[]') as destinations,
       asked.numbers as target_numbers, asked.externals as route_numbers,
       coalesce(tx.list, '[]') as targets, coalesce(rt.list, '[]') as routes
  from domains dom
  left join extensions e on e.domain_id = dom.id and e.extension = $2 and e.enabled
  left join follow_me fm on fm.extension_id = e.id
  left join call_forwarding cf on cf.extension_id = e.id
  left join lateral (
    select json_agg(json_build_object('position', d.position, 'kind', d.kind, 'target', d.target,
                    'delay_s', d.delay_s, 'ring_for_s', d.ring_for_s, 'confirm', d.confirm) order by d.position) as list
      from follow_me_destinations d where d.extension_id = e.id) dest on true
  cross join lateral (
    select coalesce(array_agg(distinct c.n) filter (where c.ext), '{}')::text[] as numbers,
           coalesce(array_agg(distinct c.n) filter (where c.out), '{}')::text[] as externals
      from (select d.target, d.kind <> 'external', d.kind = 'external' from follow_me_destinations d where d.extension_id = e.id
            union all select fm.no_answer_target, true, true where fm.no_answer_action = 'transfer'
            union all select cf.forward_all_target, cf.forward_all_kind <> 'external', cf.forward_all_kind = 'external'
            union all select cf.forward_busy_target, cf.forward_busy_kind <> 'external', cf.forward_busy_kind = 'external'
            union all select cf.forward_no_answer_target, cf.forward_no_answer_kind <> 'external', cf.forward_no_answer_kind = 'external'
            union all select cf.forward_not_registered_target, cf.forward_not_registered_kind <> 'external', cf.forward_not_registered_kind = 'external'
            union all select $3::text, true, false
            union all select unnest($4::text[]), false, true) c(n, ext, out)
     where c.n is not null) asked
  left join lateral (
    select json_agg(json_build_object('extension', t.extension, 'display_name', t.display_name,
                    'outbound_caller_id_name', t.outbound_caller_id_name, 'outbound_caller_id_number', t.outbound_caller_id_number,
                    'ring_timeout_s', t.ring_timeout_s, 'voicemail_enabled', t.voicemail_enabled, 'toll_allow', t.toll_allow,
                    'inbound_caller_id_prefix', t.inbound_caller_id_prefix, 'do_not_disturb', tcf.do_not_disturb,
                    'tenant_caller_id_name', dom.outbound_caller_id_name, 'tenant_caller_id_number', dom.outbound_caller_id_number)) as list
      from extensions t left join call_forwarding tcf on tcf.extension_id = t.id
     where t.domain_id = dom.id and t.enabled and t.extension = any(asked.numbers)) tx on true
  -- Postgres evaluates the patterns: they are POSIX regular expressions,
  -- which JavaScript's differ from.
  left join lateral (
    select json_agg(m order by m.priority) as list
      from (select n.number, r.priority, r.pattern, r.gateway, r.strip_digits, r.prepend, r.toll_class
              from outbound_routes r cross join unnest(asked.externals) as n(number)
             where r.domain_id = dom.id and n.number ~ r.pattern) m) rt on true
 where dom.name = $1 and dom.enabled`,
}

type CallRowsRow = CalleeRow & {
  domain_id: number
  domain_name: string
  target_numbers: string[]
  route_numbers: string[]
  targets: ExtensionColumns[]
  routes: Array<RouteRow & { number: string }>
}

/** Runs a statement: named on the lookup path (Database.prepared), or through Kysely where it is not hot. */
export type StatementRunner = Database['prepared']

/** The database a call's decision reads: Kysely for the writes and the rare reads, prepared statements for the hot ones. */
export interface CallStore {
  db: Kysely<DB>
  prepared: StatementRunner
}

/** The same statements, unnamed, through Kysely (explain, the portal: not on FreeSWITCH's path). */
export function kyselyStore(db: Kysely<DB>): CallStore {
  return {
    db,
    prepared: async <Row>(statement: PreparedStatement<Row>, values: readonly unknown[]) =>
      (await db.executeQuery<Row>(CompiledQuery.raw(statement.text, [...values]))).rows as Row[],
  }
}

/** The target rows a call's statement brought, and which numbers it looked up (the rest it did not consider). */
export interface PrefetchedTargets {
  extensions: Map<string, ExtensionInfo>
  routes: Map<string, RouteRow[]>
  /** Numbers whose enabled extension (or its absence) is known. */
  numbersAsked: ReadonlySet<string>
  /** Numbers whose matching routes (or their absence) are known. */
  externalsAsked: ReadonlySet<string>
}

export interface CallRows {
  tenant: Tenant
  callee: Callee | undefined
  targets: PrefetchedTargets
}

/**
 * The enabled domain `domain` (lower case) with, when it has one, its enabled
 * extension `extension` and the rows of its targets; `caller`'s own row
 * (its outbound caller ID, its toll_allow) and the routes of `numbers` too.
 * Undefined: no such enabled domain.
 */
export async function findCallRows(
  store: Pick<CallStore, 'prepared'>,
  domain: string,
  extension: string | undefined,
  more: { caller?: string | undefined; numbers?: readonly string[] } = {},
): Promise<CallRows | undefined> {
  const [row] = await store.prepared(CALL_ROWS, [domain, extension ?? null, more.caller ?? null, [...(more.numbers ?? [])]])
  if (row === undefined) return undefined
  const routes = new Map<string, RouteRow[]>(row.route_numbers.map((n) => [n, []]))
  for (const { number, ...route } of row.routes) routes.get(number)?.push(route)
  return {
    tenant: { id: row.domain_id, name: row.domain_name },
    callee: row.extension_id === null ? undefined : toCallee(row),
    targets: {
      extensions: new Map(row.targets.map((r) => [r.extension, toInfo(r)])),
      routes,
      numbersAsked: new Set(row.target_numbers),
      externalsAsked: new Set(row.route_numbers),
    },
  }
}

/** The domain and the callee alone, unnamed through Kysely: for the portal, off FreeSWITCH's path. */
export async function findTenantAndCallee(db: Kysely<DB>, domain: string, extension: string | undefined): Promise<{ tenant: Tenant; callee: Callee | undefined } | undefined> {
  const rows = await findCallRows(kyselyStore(db), domain, extension)
  return rows && { tenant: rows.tenant, callee: rows.callee }
}
