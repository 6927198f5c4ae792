import { sql, type Kysely } from 'kysely'
import { jsonArrayFrom } from 'kysely/helpers/postgres'
import type { DB } from '../db/schema.js'
import type { ExtensionInfo } from '../followme/plan.js'
import type { RouteRow } from '../outbound/route.js'
import { toInfo, type Tenant } from './rows.js'

/** A call's further reads, for what the call's one statement (call-rows.ts) did not bring. SQL lives here and there only. */

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
  // The tenant's defaults travel with each extension (the query calls the domain `dom`).
  'dom.outbound_caller_id_name as tenant_caller_id_name',
  'dom.outbound_caller_id_number as tenant_caller_id_number',
] as const

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
