import type { CallPlan, PlannedLeg } from '../followme/plan.js'
import type { Lamp } from '../presence/lamp.js'

/** FreeSWITCH hangup causes the service uses (switch_types.h, switch_channel_cause_t). */
export type HangupCause =
  | 'UNALLOCATED_NUMBER'
  | 'NO_ROUTE_DESTINATION'
  | 'OUTGOING_CALL_BARRED'
  | 'CALL_REJECTED'
  | 'NO_ANSWER'
  | 'NORMAL_CLEARING'

/** What a call should do: decided from the rows, before any FreeSWITCH syntax. */
export type CallDecision =
  | { kind: 'ring'; domain: string; callee: string; plan: CallPlan }
  | { kind: 'outbound'; leg: PlannedLeg; notes: string[] }
  | { kind: 'reject'; cause: HangupCause; reason: string }
  /** *21 or the fm<EXT> key: the announcement to play, and the lamp to set when the flag changed. */
  | { kind: 'feature'; outcome: FeatureOutcome; lamp: Lamp | undefined; reason: string }

export type FeatureOutcome = 'on' | 'off' | 'unavailable' | 'not-allowed'

export function notesOf(decision: CallDecision): string[] {
  switch (decision.kind) {
    case 'ring':
      return decision.plan.notes
    case 'outbound':
      return decision.notes
    case 'reject':
    case 'feature':
      return [decision.reason]
  }
}
