import { NOT_FOUND, type LookupAnswer } from '../freeswitch/document.js'
import { isExtensionNumber } from '../freeswitch/identifiers.js'
import { extensionCallerId, planCall } from '../followme/plan.js'
import { toggleFeature } from '../followme/toggle.js'
import { dialByName } from '../dialbyname/feature.js'
import { decideAfterRing, decideForwarding } from '../forwards/decision.js'
import { forwardingFeature } from '../forwards/answer.js'
import { parseForwardingCode, type ForwardingCodes } from '../forwards/feature-codes.js'
import { parseFollowUp } from '../forwards/follow-up.js'
import { chooseRoute } from '../outbound/route.js'
import { actionsFor, confirmActions, type DialplanSettings } from './actions.js'
import { notesOf, type CallDecision, type ShownCallerName } from './decision.js'
import { findCallRows, type CallStore, type PrefetchedTargets } from './call-rows.js'
import { findDid } from './repository.js'
import type { Callee, Tenant } from './rows.js'
import { lookUpTargets, targetRows } from './targets.js'
import { CONFIRM_CONTEXT, PUBLIC_CONTEXT, type Caller, type DialplanRequest } from './request.js'

/** How long an outbound call may ring before FreeSWITCH gives up (its default call_timeout is 60 s). */
export const OUTBOUND_RING_S = 120

/** Answers a dialplan lookup from the rows as they are now. */
export async function answerDialplan(
  store: CallStore,
  request: DialplanRequest,
  settings: DialplanSettings,
  /** When the lookup's budget runs out (epoch ms): a write must be done or undone by then. */
  deadline: number,
): Promise<LookupAnswer> {
  switch (request.kind) {
    case 'unsupported':
      return { document: NOT_FOUND, decision: 'not-found', notes: [request.reason], cacheable: true }
    case 'confirm':
      return {
        document: { kind: 'dialplan', context: CONFIRM_CONTEXT, destination: request.destination, actions: confirmActions(request.destination, settings) },
        decision: 'confirm',
        notes: [],
        cacheable: true,
      }
    case 'call': {
      const decision = await decideCall(store, request, { toggleCode: settings.toggleCode, forwardingCodes: settings.forwardingCodes, directoryCode: settings.directoryCode, deadline })
      // A context we do not own: FreeSWITCH must look elsewhere, and it does
      // not fall back by itself for a dialplan answer lacking the context (facts §4).
      if (decision === undefined) return { document: NOT_FOUND, decision: 'not-found', notes: [`no enabled domain ${request.context}`], cacheable: true }
      const { actions, skipped } = actionsFor(decision, settings)
      return {
        document: { kind: 'dialplan', context: request.contextName, destination: request.destination, actions },
        decision: describeDecision(decision),
        notes: [...notesOf(decision), ...skipped],
        // A feature code changed rows, once for this call: never replayed.
        cacheable: decision.kind !== 'feature',
      }
    }
  }
}

/**
 * What a call does. Undefined when the context is not one of ours (unknown
 * or disabled domain).
 */
export async function decideCall(
  store: CallStore,
  request: Extract<DialplanRequest, { kind: 'call' }>,
  options: { toggleCode: string; forwardingCodes: ForwardingCodes; directoryCode: string; deadline: number },
): Promise<CallDecision | undefined> {
  const { toggleCode } = options
  if (request.context === PUBLIC_CONTEXT) {
    // Carriers: only DIDs, and never with an identity (no routes, no features).
    const number = request.destination.replace(/^\+/, '')
    const did = /^[0-9]+$/.test(number) ? await findDid(store.db, number) : undefined
    if (did === undefined) return reject('UNALLOCATED_NUMBER', `${request.destination} is not a DID`)
    const found = await findCallRows(store, did.domain, did.extension)
    if (found?.callee === undefined) {
      return reject('UNALLOCATED_NUMBER', `DID ${number} rings ${did.extension}@${did.domain}, which is disabled`)
    }
    return ringCallee(store, found, found.callee, request.caller, request.visited)
  }

  const { destination, caller } = request
  const followUp = parseFollowUp(destination)
  const code = parseForwardingCode(destination, options.forwardingCodes)
  // The one extension this lookup needs: the called one, the one whose ring
  // failed, or the caller's own for a DND / forward-all code.
  const extension = isExtensionNumber(destination)
    ? destination
    : (followUp?.extension ?? (code !== undefined && caller.kind === 'extension' ? caller.extension : undefined))
  // The caller's own row and a dialled number's routes come in the same
  // round trip: an outbound call, and a callee's targets, need them.
  const found = await findCallRows(store, request.context, extension, {
    caller: caller.kind === 'extension' ? caller.extension : undefined,
    numbers: isDialledNumber(destination) ? [destination] : [],
  })
  if (found === undefined) return undefined
  const { tenant, callee } = found
  const { db } = store
  if (followUp !== undefined) {
    // Only after a bridge on this channel really failed with that cause.
    if (callee === undefined || request.failedCause !== followUp.cause) {
      return reject('UNALLOCATED_NUMBER', `${destination}: no failed ring of an enabled extension on this call (originate_failed_cause ${request.failedCause ?? 'unset'})`)
    }
    return afterRing(store, found, callee, caller, request.visited, followUp.cause)
  }
  if (callee !== undefined && code === undefined) return ringCallee(store, found, callee, caller, request.visited)
  if (destination === toggleCode || /^fm[0-9]+$/.test(destination)) {
    return toggleFeature(db, tenant, destination, caller, request.uniqueId, options)
  }
  if (code !== undefined) return forwardingFeature(db, tenant, code, callee, caller, request.uniqueId, options.deadline, destination)
  if (destination === options.directoryCode) return dialByName(tenant.name, caller, destination)
  if (destination.startsWith('*')) return reject('UNALLOCATED_NUMBER', `no feature code ${destination}`)
  if (isDialledNumber(destination)) return outbound(store, found, destination, caller)
  return reject('UNALLOCATED_NUMBER', `${destination} is neither an extension nor a number`)
}

/** An external caller's name on the callee's phones: with its prefix when it rings them, plain otherwise. */
function shownCallerName(caller: Caller, callee: Callee, rings: boolean): ShownCallerName | undefined {
  if (caller.kind !== 'anonymous') return undefined
  const prefix = callee.info.inboundCallerIdPrefix ?? null
  return rings && prefix !== null ? { kind: 'prefix', prefix } : { kind: 'plain' }
}

/** A destination that may be an outbound number. */
function isDialledNumber(destination: string): boolean {
  return /^\+?[0-9]+$/.test(destination)
}

/** The tenant and the target rows the call's statement brought. */
type Found = { tenant: Tenant; targets: PrefetchedTargets }

async function ringCallee(
  store: CallStore,
  { tenant, targets }: Found,
  callee: Callee,
  caller: Caller,
  visited: readonly string[],
): Promise<CallDecision> {
  const { destinations, followMe, info } = callee
  const followMeOn = followMe?.enabled === true && !visited.includes(info.extension)
  const { extensions, routes, callerId } = await lookUpTargets(store.db, tenant, targets, callee, caller, followMe?.enabled === true)
  // DND and the forwards first (forward all > DND > Follow Me > ring).
  const forwarding = decideForwarding({ domain: tenant.name, called: info, settings: callee.forwarding, followMeOn, extensions, routes, callerId, visited })
  if (forwarding.kind === 'forward') {
    const { reason, step, notes } = forwarding
    const callerName = shownCallerName(caller, callee, false)
    return { kind: 'forward', domain: tenant.name, callee: info.extension, reason, step, forwarding: callee.forwarding, notes, callerName }
  }
  const plan = planCall({ domain: tenant.name, called: info, followMe, destinations, extensions, routes, callerId, visited })
  return {
    kind: 'ring',
    domain: tenant.name,
    callee: info.extension,
    plan,
    afterRing: forwarding.afterRing,
    forwarding: callee.forwarding,
    forwardingNotes: forwarding.notes,
    callerName: shownCallerName(caller, callee, true),
  }
}

/** The follow-up of `callee`'s failed ring: its busy / no-answer / not-registered forward, else voicemail. */
async function afterRing(store: CallStore, { tenant, targets }: Found, callee: Callee, caller: Caller, visited: readonly string[], cause: string): Promise<CallDecision> {
  const { info } = callee
  const { extensions, routes, callerId } = await lookUpTargets(store.db, tenant, targets, callee, caller, false)
  const input = { domain: tenant.name, called: info, settings: callee.forwarding, followMeOn: false, extensions, routes, callerId, visited }
  const { step, condition, notes } = decideAfterRing(input, cause)
  const callerName = shownCallerName(caller, callee, false)
  return { kind: 'forward', domain: tenant.name, callee: info.extension, reason: condition ?? 'ring-failed', step, forwarding: callee.forwarding, notes, callerName }
}

async function outbound(store: CallStore, { tenant, targets }: Found, number: string, caller: Caller): Promise<CallDecision> {
  if (caller.kind !== 'extension') {
    return reject('CALL_REJECTED', `${number}: only an authenticated extension may call out`)
  }
  const found = await targetRows(store.db, tenant, targets, [caller.extension], [number])
  const info = found.extensions.get(caller.extension)
  if (info === undefined) return reject('CALL_REJECTED', `${number}: caller ${caller.extension} is not an enabled extension`)
  const matching = found.routes.get(number) ?? []
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

/** What the lookup's log line says was decided. */
function describeDecision(decision: CallDecision): string {
  switch (decision.kind) {
    case 'reject':
      return `reject ${decision.cause}`
    case 'feature':
      return `feature ${decision.feature === 'follow-me' ? '' : `${decision.feature} `}${decision.outcome}`
    case 'forward':
      return `forward ${decision.reason}`
    default:
      return decision.kind
  }
}

function reject(cause: Extract<CallDecision, { kind: 'reject' }>['cause'], reason: string): CallDecision {
  return { kind: 'reject', cause, reason }
}
