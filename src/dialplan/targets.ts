import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { extensionCallerId, type CallerId, type ExtensionInfo } from '../followme/plan.js'
import { escapeCallerIdName } from '../freeswitch/dial-string.js'
import { isExtensionNumber } from '../freeswitch/identifiers.js'
import { targetsOf } from '../forwards/settings.js'
import { chooseRoute, type RouteChoice, type RouteRow } from '../outbound/route.js'
import type { PrefetchedTargets } from './call-rows.js'
import { findTargets } from './repository.js'
import type { Callee, Tenant } from './rows.js'
import type { Caller } from './request.js'

/**
 * The extensions among `numbers` and the routes of `externals`, and nothing
 * else: from what the call's statement brought, and only for a number it
 * did not consider, from one more query (the statement considers every
 * target its rows name, so that query is for what no row names). Only what
 * was asked is returned, so a decision sees the same rows whichever way
 * they came.
 */
export async function targetRows(
  db: Kysely<DB>,
  tenant: Tenant,
  prefetched: PrefetchedTargets,
  numbers: readonly string[],
  externals: readonly string[],
): Promise<{ extensions: ReadonlyMap<string, ExtensionInfo>; routes: ReadonlyMap<string, readonly RouteRow[]> }> {
  const missingNumbers = numbers.filter((n) => !prefetched.numbersAsked.has(n))
  const missingExternals = externals.filter((n) => !prefetched.externalsAsked.has(n))
  const more = missingNumbers.length === 0 && missingExternals.length === 0 ? undefined : await findTargets(db, tenant, missingNumbers, missingExternals)
  const extensions = new Map<string, ExtensionInfo>()
  for (const n of numbers) {
    const info = prefetched.extensions.get(n) ?? more?.extensions.get(n)
    if (info !== undefined) extensions.set(n, info)
  }
  const routes = new Map<string, readonly RouteRow[]>()
  for (const n of externals) routes.set(n, prefetched.routes.get(n) ?? more?.routes.get(n) ?? [])
  return { extensions, routes }
}

/**
 * Every extension and external number a call to `callee` may need: the
 * extensions (the caller's included, for its outbound caller ID) and the
 * routes of the external numbers, chosen under the callee's toll_allow.
 */
export async function lookUpTargets(db: Kysely<DB>, tenant: Tenant, prefetched: PrefetchedTargets, callee: Callee, caller: Caller, withFollowMe: boolean) {
  const { destinations, followMe } = callee
  const numbers = new Set<string>()
  const externals = new Set<string>()
  const transferTarget = withFollowMe && followMe?.noAnswerAction === 'transfer' ? followMe.noAnswerTarget : null
  if (withFollowMe) {
    for (const d of destinations) (d.kind === 'external' ? externals : numbers).add(d.target)
  }
  const forwardTargets = targetsOf(callee.forwarding)
  for (const n of forwardTargets.extensions) numbers.add(n)
  for (const n of forwardTargets.externals) externals.add(n)
  const needCallerId = caller.kind === 'extension' && (externals.size > 0 || transferTarget !== null)
  if (needCallerId) numbers.add(caller.extension)
  // A no-answer target is an extension when the tenant has it, else an
  // external number: asked both ways in the same round trip.
  if (transferTarget !== null) numbers.add(transferTarget)
  const asked = transferTarget === null ? externals : new Set([...externals, transferTarget])
  const found = await targetRows(db, tenant, prefetched, [...numbers].filter(isExtensionNumber), [...asked])
  const { extensions } = found
  if (transferTarget !== null && !extensions.has(transferTarget)) externals.add(transferTarget)
  const routes = new Map<string, RouteChoice>()
  for (const number of externals) routes.set(number, chooseRoute(number, found.routes.get(number) ?? [], callee.info.tollAllow))
  const callerInfo = needCallerId ? extensions.get(caller.extension) : undefined
  // An internal caller shows its outbound caller ID outside; a carrier
  // caller keeps its own (undefined: FreeSWITCH passes it on), except that
  // a callee's inbound prefix, set on the A-leg for its phones, must not
  // reach the external legs: they get the caller's own name back.
  if (caller.kind === 'anonymous') return { extensions, routes, callerId: externalCallerName(callee, caller) }
  return { extensions, routes, callerId: callerInfo && extensionCallerId(callerInfo) }
}

/** The name an external caller's external legs show while the callee's prefix is set: its own (else its number). */
function externalCallerName(callee: Callee, caller: Extract<Caller, { kind: 'anonymous' }>): CallerId | undefined {
  if ((callee.info.inboundCallerIdPrefix ?? null) === null) return undefined
  const number = caller.number !== undefined && /^\+?[0-9]{1,24}$/.test(caller.number) ? caller.number : undefined
  const name = caller.name !== undefined && escapeCallerIdName(caller.name) !== '' ? caller.name : (number ?? 'Unknown')
  return { name, number: undefined }
}
