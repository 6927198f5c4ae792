import { sql, type Kysely } from 'kysely'
import { jsonArrayFrom } from 'kysely/helpers/postgres'
import type { DB } from '../db/schema.js'
import type { DestinationSettings, ExtensionInfo, FollowMeSettings } from '../followme/plan.js'
import type { RouteRow } from '../outbound/route.js'
import { forwardingColumns, toForwardingSettings, type ForwardingRow } from '../forwards/repository.js'
import type { ForwardingSettings } from '../forwards/settings.js'

/** The rows a call's routing reads, all from one domain. SQL lives here only. */

export interface Tenant {
  id: number
  name: string
}

export interface Callee {
  info: ExtensionInfo
  followMe: FollowMeSettings | undefined
  destinations: DestinationSettings[]
  /** Its DND and forwards (all off without a call_forwarding row). */
  forwarding: ForwardingSettings
  /** extensions.id, for the feature codes' writes. */
  id: number
}

const extensionColumns = [
  'e.extension',
  'e.display_name',
  'e.outbound_caller_id_name',
  'e.outbound_caller_id_number',
  'e.ring_timeout_s',
  'e.voicemail_enabled',
  'e.toll_allow',
  'e.inbound_caller_id_prefix',
  'cf.do_not_disturb',
  // The tenant's defaults travel with each extension (both queries call the domain `dom`).
  'dom.outbound_caller_id_name as tenant_caller_id_name',
  'dom.outbound_caller_id_number as tenant_caller_id_number',
] as const

type ExtensionColumns = {
  extension: string
  display_name: string | null
  outbound_caller_id_name: string | null
  outbound_caller_id_number: string | null
  ring_timeout_s: number
  voicemail_enabled: boolean
  toll_allow: string[]
  inbound_caller_id_prefix: string | null
  do_not_disturb: boolean | null
  tenant_caller_id_name: string | null
  tenant_caller_id_number: string | null
}

function toInfo(row: ExtensionColumns): ExtensionInfo {
  return {
    extension: row.extension,
    displayName: row.display_name,
    outboundCallerIdName: row.outbound_caller_id_name,
    outboundCallerIdNumber: row.outbound_caller_id_number,
    ringTimeoutS: row.ring_timeout_s,
    voicemailEnabled: row.voicemail_enabled,
    tollAllow: row.toll_allow,
    doNotDisturb: row.do_not_disturb === true,
    inboundCallerIdPrefix: row.inbound_caller_id_prefix,
    tenantCallerIdName: row.tenant_caller_id_name,
    tenantCallerIdNumber: row.tenant_caller_id_number,
  }
}

/**
 * The enabled domain `domain` and, when it has one, its enabled extension
 * `extension` with the Follow Me row and destinations (in position order):
 * one query for what every call in a tenant context needs first.
 */
export async function findTenantAndCallee(
  db: Kysely<DB>,
  domain: string,
  extension: string | undefined,
): Promise<{ tenant: Tenant; callee: Callee | undefined } | undefined> {
  const row = await db
    .selectFrom('domains as dom')
    .leftJoin('extensions as e', (join) =>
      join
        .onRef('e.domain_id', '=', 'dom.id')
        .on('e.extension', '=', extension ?? '')
        .on('e.enabled', '=', true),
    )
    .leftJoin('follow_me as fm', 'fm.extension_id', 'e.id')
    .leftJoin('call_forwarding as cf', 'cf.extension_id', 'e.id')
    .select(['dom.id as domain_id', 'dom.name as domain_name', 'e.id as extension_id'])
    .select(extensionColumns)
    .select(forwardingColumns)
    .select([
      'fm.enabled as fm_enabled',
      'fm.strategy',
      'fm.ring_extension_first_s',
      'fm.no_answer_action',
      'fm.no_answer_target',
      'fm.external_caller_id',
    ])
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('follow_me_destinations as d')
          .select(['d.position', 'd.kind', 'd.target', 'd.delay_s', 'd.ring_for_s', 'd.confirm'])
          .whereRef('d.extension_id', '=', 'e.id')
          .orderBy('d.position'),
      ).as('destinations'),
    )
    .where('dom.name', '=', domain)
    .where('dom.enabled', '=', true)
    .executeTakeFirst()
  if (row === undefined) return undefined
  const tenant = { id: row.domain_id, name: row.domain_name }
  return { tenant, callee: row.extension_id === null ? undefined : toCallee(row) }
}

type CalleeRow = {
  [K in keyof ExtensionColumns]: ExtensionColumns[K] | null
} & ForwardingRow & {
  extension_id: number | null
  fm_enabled: boolean | null
  strategy: FollowMeSettings['strategy'] | null
  ring_extension_first_s: number | null
  no_answer_action: FollowMeSettings['noAnswerAction'] | null
  no_answer_target: string | null
  external_caller_id: FollowMeSettings['externalCallerId'] | null
  destinations: Array<{
    position: number
    kind: DestinationSettings['kind']
    target: string
    delay_s: number
    ring_for_s: number
    confirm: boolean
  }>
}

function toCallee(row: CalleeRow): Callee {
  const followMe: FollowMeSettings | undefined =
    row.fm_enabled === null
      ? undefined
      : {
          enabled: row.fm_enabled,
          strategy: row.strategy ?? 'sequential',
          ringExtensionFirstS: row.ring_extension_first_s ?? 0,
          noAnswerAction: row.no_answer_action ?? 'voicemail',
          noAnswerTarget: row.no_answer_target,
          externalCallerId: row.external_caller_id ?? 'caller',
        }
  const destinations = row.destinations.map((d) => ({
    position: d.position,
    kind: d.kind,
    target: d.target,
    delayS: d.delay_s,
    ringForS: d.ring_for_s,
    confirm: d.confirm,
  }))
  // Called only when the left join found the extension: its columns are set.
  return { info: toInfo(row as ExtensionColumns), followMe, destinations, forwarding: toForwardingSettings(row), id: row.extension_id as number }
}

/**
 * What a call's targets need, in one round trip: the enabled extensions
 * among `numbers` (by number) and, for each of `externals`, the tenant's
 * routes matching it by priority (every external has an entry, empty when
 * none matches). The call's path did these as two queries; under load each
 * round trip costs more than the query itself (issue 10's profile).
 */
export async function findTargets(
  db: Kysely<DB>,
  tenant: Tenant,
  numbers: readonly string[],
  externals: readonly string[],
): Promise<{ extensions: Map<string, ExtensionInfo>; routes: Map<string, RouteRow[]> }> {
  const routes = new Map<string, RouteRow[]>(externals.map((n) => [n, []]))
  if (numbers.length === 0 && externals.length === 0) return { extensions: new Map(), routes }
  const row = await db
    .selectNoFrom((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('extensions as e')
          .innerJoin('domains as dom', 'dom.id', 'e.domain_id')
          .leftJoin('call_forwarding as cf', 'cf.extension_id', 'e.id')
          .select(extensionColumns)
          .where('e.domain_id', '=', tenant.id)
          .where(sql<boolean>`e.extension = any(${[...numbers]}::text[])`)
          .where('e.enabled', '=', true),
      ).as('extensions'),
      // Postgres evaluates the patterns: they are POSIX regular expressions,
      // which JavaScript's differ from.
      sql<Array<RouteRow & { number: string }>>`coalesce((
        select json_agg(m order by m.priority) from (
          select n.number, r.priority, r.pattern, r.gateway, r.strip_digits, r.prepend, r.toll_class
            from outbound_routes r
            cross join unnest(${[...externals]}::text[]) as n(number)
           where r.domain_id = ${tenant.id} and n.number ~ r.pattern) m), '[]')`.as('routes'),
    ])
    .executeTakeFirstOrThrow()
  for (const { number, ...route } of row.routes) routes.get(number)?.push(route)
  return { extensions: new Map(row.extensions.map((r) => [r.extension, toInfo(r)])), routes }
}

/** The DID `number` (digits): the domain and extension it rings (findTenantAndCallee checks both are enabled). */
export async function findDid(db: Kysely<DB>, number: string): Promise<{ domain: string; extension: string } | undefined> {
  return db
    .selectFrom('dids as did')
    .innerJoin('domains as d', 'd.id', 'did.domain_id')
    .innerJoin('extensions as e', 'e.id', 'did.extension_id')
    .select(['d.name as domain', 'e.extension'])
    .where('did.number', '=', number)
    .executeTakeFirst()
}
