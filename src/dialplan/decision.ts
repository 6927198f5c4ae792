import type { CallPlan, NoAnswerStep, PlannedLeg } from '../followme/plan.js'
import type { AfterRing, ForwardReason } from '../forwards/decision.js'
import type { ForwardingSettings } from '../forwards/settings.js'
import type { Lamp } from '../presence/lamp.js'

/** FreeSWITCH hangup causes the service uses (switch_types.h, switch_channel_cause_t). */
export type HangupCause =
  | 'UNALLOCATED_NUMBER'
  | 'NO_ROUTE_DESTINATION'
  | 'OUTGOING_CALL_BARRED'
  | 'CALL_REJECTED'
  | 'NO_ANSWER'
  | 'USER_BUSY'
  | 'NORMAL_CLEARING'

/** What a call should do: decided from the rows, before any FreeSWITCH syntax. */
export type CallDecision =
  | {
      kind: 'ring'
      domain: string
      callee: string
      plan: CallPlan
      /** Where the extension's failed ring goes (a follow-up lookup decides); undefined: plan.noAnswer. */
      afterRing?: AfterRing | undefined
      /** The callee's DND and forwards, for explain. */
      forwarding?: ForwardingSettings | undefined
      /** Notes of the forwarding decision (beside the plan's). */
      forwardingNotes?: string[]
      /** What the phones show as an external caller's name; undefined: an internal call, left as it is. */
      callerName?: ShownCallerName | undefined
    }
  /** DND or a forward: the extension does not ring; `step` instead. */
  | {
      kind: 'forward'
      domain: string
      callee: string
      reason: ForwardReason | 'ring-failed'
      step: NoAnswerStep
      forwarding: ForwardingSettings
      notes: string[]
      /** As for ring: an external caller's name is shown plain again (no prefix reaches a forward). */
      callerName?: ShownCallerName | undefined
    }
  | { kind: 'outbound'; leg: PlannedLeg; notes: string[] }
  /** The directory feature code: mod_directory over the tenant (src/dialbyname). */
  | { kind: 'dial-by-name'; domain: string; reason: string }
  | { kind: 'reject'; cause: HangupCause; reason: string }
  /** *21, *72.., *78.. or a BLF key: the announcement to play, and the lamps to set when a flag changed. */
  | { kind: 'feature'; feature: Feature; outcome: FeatureOutcome; lamps: ReadonlyArray<{ lamp: Lamp; on: boolean }>; reason: string }

/**
 * The name an external caller shows on the extension's phones: the callee's
 * inbound prefix before it, or plain (no prefix: a prefix an earlier lookup of
 * the same call set is taken off).
 */
export type ShownCallerName = { kind: 'prefix'; prefix: string } | { kind: 'plain' }

export type Feature = 'follow-me' | 'forward-all' | 'dnd'

export type FeatureOutcome = 'on' | 'off' | 'unavailable' | 'not-allowed'

export function notesOf(decision: CallDecision): string[] {
  switch (decision.kind) {
    case 'ring':
      return [...(decision.forwardingNotes ?? []), ...decision.plan.notes]
    case 'forward':
    case 'outbound':
      return decision.notes
    case 'reject':
    case 'feature':
    case 'dial-by-name':
      return [decision.reason]
  }
}
