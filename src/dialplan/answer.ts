import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { NOT_FOUND, type FreeswitchDocument } from '../freeswitch/document.js'
import { isExtensionNumber } from '../freeswitch/identifiers.js'
import { extensionCallerId, planCall, type CallerId } from '../followme/plan.js'
import { chooseRoute, type RouteChoice } from '../outbound/route.js'
import { actionsFor, confirmActions, type DialplanSettings } from './actions.js'
import { notesOf, type CallDecision } from './decision.js'
import {
  findCallee,
  findDid,
  findExtensions,
  findTenant,
  matchOutboundRoutes,
  type Tenant,
} from './repository.js'
import { CONFIRM_CONTEXT, PUBLIC_CONTEXT, type Caller, type DialplanRequest } from './request.js'

/** How long an outbound call may ring before FreeSWITCH gives up (its default call_timeout is 60 s). */
export const OUTBOUND_RING_S = 120

export interface DialplanLog {
  info(obj: object, msg: string): void
}

/** Answers a dialplan lookup from the rows as they are now. */
export async function answerDialplan(
  db: Kysely<DB>,
  request: DialplanRequest,
  settings: DialplanSettings,
  log: DialplanLog,
): Promise<FreeswitchDocument> {
  switch (request.kind) {
    case 'unsupported':
      return NOT_FOUND
    case 'confirm':
      return {
        kind: 'dialplan',
        context: CONFIRM_CONTEXT,
        destination: request.destination,
        actions: confirmActions(request.destination, settings),
      }
    case 'call': {
      const decision = await decideCall(db, request)
      // A context we do not own: FreeSWITCH must look elsewhere, and it does
      // not fall back by itself for a dialplan answer lacking the context (facts §4).
      if (decision === undefined) return NOT_FOUND
      const { actions, skipped } = actionsFor(decision, settings)
      const notes = [...notesOf(decision), ...skipped]
      log.info(
        { call: request.uniqueId, context: request.context, destination: request.destination, decision: decision.kind, notes },
        'call routed',
      )
      return { kind: 'dialplan', context: request.contextName, destination: request.destination, actions }
    }
  }
}

/**
 * What a call does. Undefined when the context is not one of ours (unknown
 * or disabled domain).
 */
export async function decideCall(
  db: Kysely<DB>,
  request: Extract<DialplanRequest, { kind: 'call' }>,
): Promise<CallDecision | undefined> {
  if (request.context === PUBLIC_CONTEXT) {
    // Carriers: only DIDs, and never with an identity (no routes, no features).
    const number = request.destination.replace(/^\+/, '')
    const did = /^[0-9]+$/.test(number) ? await findDid(db, number) : undefined
    if (did === undefined) return reject('UNALLOCATED_NUMBER', `${request.destination} is not a DID`)
    return (
      (await ringExtension(db, did.tenant, did.extension, { kind: 'anonymous' }, request.visited)) ??
      reject('UNALLOCATED_NUMBER', `DID ${number} rings ${did.extension}, which is disabled`)
    )
  }

  const tenant = await findTenant(db, request.context)
  if (tenant === undefined) return undefined
  const { destination, caller } = request

  if (isExtensionNumber(destination)) {
    const local = await ringExtension(db, tenant, destination, caller, request.visited)
    if (local !== undefined) return local
  }
  if (destination.startsWith('*') || destination.startsWith('fm')) {
    // Feature codes (*21, fm<EXT>) are served from the next release on.
    return reject('UNALLOCATED_NUMBER', `feature code ${destination} is not available`)
  }
  if (/^\+?[0-9]+$/.test(destination)) return outbound(db, tenant, destination, caller)
  return reject('UNALLOCATED_NUMBER', `${destination} is neither an extension nor a number`)
}

async function ringExtension(
  db: Kysely<DB>,
  tenant: Tenant,
  extension: string,
  caller: Caller,
  visited: readonly string[],
): Promise<CallDecision | undefined> {
  const callee = await findCallee(db, tenant, extension)
  if (callee === undefined) return undefined
  const followMeOn = callee.followMe?.enabled === true
  const { destinations, followMe } = callee

  // The extensions and external numbers the plan may need, looked up at once.
  const numbers = new Set<string>()
  const externals = new Set<string>()
  if (followMeOn) {
    for (const d of destinations) (d.kind === 'external' ? externals : numbers).add(d.target)
    if (followMe?.noAnswerAction === 'transfer' && followMe.noAnswerTarget !== null) {
      numbers.add(followMe.noAnswerTarget)
      externals.add(followMe.noAnswerTarget)
    }
  }
  const extensions = await findExtensions(db, tenant, [...numbers].filter(isExtensionNumber))
  const matches = await matchOutboundRoutes(db, tenant, [...externals])
  const routes = new Map<string, RouteChoice>()
  for (const [number, matching] of matches) routes.set(number, chooseRoute(number, matching, callee.info.tollAllow))

  const plan = planCall({
    domain: tenant.name,
    called: callee.info,
    followMe,
    destinations,
    extensions,
    routes,
    callerId: externals.size > 0 ? await callerIdOf(db, tenant, caller) : undefined,
    visited,
  })
  return { kind: 'ring', domain: tenant.name, callee: extension, plan }
}

/** An internal caller shows its outbound caller ID outside; others keep their own (undefined: FreeSWITCH passes it on). */
async function callerIdOf(db: Kysely<DB>, tenant: Tenant, caller: Caller): Promise<CallerId | undefined> {
  if (caller.kind !== 'extension') return undefined
  const info = (await findExtensions(db, tenant, [caller.extension])).get(caller.extension)
  return info && extensionCallerId(info)
}

async function outbound(db: Kysely<DB>, tenant: Tenant, number: string, caller: Caller): Promise<CallDecision> {
  if (caller.kind !== 'extension') {
    return reject('CALL_REJECTED', `${number}: only an authenticated extension may call out`)
  }
  const info = (await findExtensions(db, tenant, [caller.extension])).get(caller.extension)
  if (info === undefined) return reject('CALL_REJECTED', `${number}: caller ${caller.extension} is not an enabled extension`)
  const matching = (await matchOutboundRoutes(db, tenant, [number])).get(number) ?? []
  const choice = chooseRoute(number, matching, info.tollAllow)
  if (!choice.ok) return reject(choice.cause, choice.reason)
  return {
    kind: 'outbound',
    notes: [`${number} via route ${choice.route.priority} (gateway ${choice.route.gateway})`],
    leg: {
      label: `${choice.dial} via ${choice.route.gateway}`,
      target: { kind: 'gateway', gateway: choice.route.gateway, number: choice.dial, callerId: extensionCallerId(info) },
      startS: 0,
      ringS: OUTBOUND_RING_S,
      confirm: false,
    },
  }
}

function reject(cause: Extract<CallDecision, { kind: 'reject' }>['cause'], reason: string): CallDecision {
  return { kind: 'reject', cause, reason }
}
