import type { ShownCallerName } from '../dialplan/decision.js'
import type { PlannedLeg } from '../followme/plan.js'
import { escapeCallerIdName } from '../freeswitch/dial-string.js'

/**
 * The caller ID a leg presents, in words, for explain (README "Caller ID and
 * directory"). `shown` is the decision's: undefined for an internal caller.
 * Names are given as they are rendered (dial-string.ts escaping); FreeSWITCH
 * then cuts a name holding : / @ (facts §14).
 */
export function describeLegCallerId(leg: PlannedLeg, shown: ShownCallerName | undefined): string {
  const { target } = leg
  if (target.kind === 'registrations') {
    if (shown === undefined) return "the caller's internal caller ID (its display name and extension)"
    if (shown.kind === 'prefix') return `"${shown.prefix}" + the caller's name, the caller's number`
    return "the caller's name and number"
  }
  const { callerId } = target
  // Never planned (dialplan/answer.ts gives such legs the caller's name), said plainly should it happen.
  if (callerId === undefined && shown?.kind === 'prefix') return `"${shown.prefix}" + the caller's name, the caller's number`
  if (callerId === undefined) return "the caller's own name and number"
  if (callerId.number === undefined) return "the caller's own name and number (the inbound prefix is not shown)"
  // As the leg will show it: the dial string's escaped comma read back.
  const name = escapeCallerIdName(callerId.name).replace(/\\,/g, ',')
  return `${name === '' ? '(no name)' : `"${name}"`} ${callerId.number}`
}
