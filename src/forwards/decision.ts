import { MAX_TRANSFER_CHAIN, type CallerId, type ExtensionInfo, type NoAnswerStep } from '../followme/plan.js'
import type { RouteChoice } from '../outbound/route.js'
import { describeTarget, type ForwardCondition, type ForwardingSettings, type ForwardTarget } from './settings.js'

/**
 * What DND and the forwards make of a call to an extension: a pure function
 * of typed rows, returning data (dialplan/actions.ts renders it). The
 * precedence (README "Call forwarding and Do Not Disturb"):
 *
 * 1. forward all: straight to its target; nothing else applies;
 * 2. Do Not Disturb: the busy forward, else do_not_disturb_action (busy or voicemail);
 * 3. Follow Me on: Follow Me's plan, whose no-answer action has the last word;
 * 4. the extension rings; when it fails busy, unanswered or unregistered,
 *    the matching forward (decided in a follow-up lookup, afterRing), else
 *    voicemail as without forwards.
 *
 * A target that cannot ring now (the extension disabled, the number outside
 * the extension's toll_allow, the box's voicemail off) is skipped with a
 * note, and the next rule applies. A forward that would loop (a target the
 * call already went through, or a chain past MAX_TRANSFER_CHAIN) ends the
 * call in the extension's voicemail, or hangs up: never a ringing loop.
 */
export interface ForwardingInput {
  domain: string
  called: ExtensionInfo
  settings: ForwardingSettings
  /** Whether Follow Me would run for this call (enabled, and not skipped by its loop guard). */
  followMeOn: boolean
  /** Enabled extensions of the domain named by the targets. */
  extensions: ReadonlyMap<string, ExtensionInfo>
  /** How each external target would be dialled, under the called extension's toll_allow. */
  routes: ReadonlyMap<string, RouteChoice>
  /** Caller ID an external target shows (the original caller's, as a Follow Me external leg). */
  callerId: CallerId | undefined
  /** Extensions the call already went through by transfers (loop guard). */
  visited: readonly string[]
}

/** Why a call goes elsewhere. */
export type ForwardReason = 'all' | 'dnd' | ForwardCondition

export type AfterRing = Partial<Record<'busy' | 'no_answer' | 'not_registered', NoAnswerStep>>

export type ForwardingDecision =
  /** The extension does not ring: `step` instead. */
  | { kind: 'forward'; reason: ForwardReason; step: NoAnswerStep; notes: string[] }
  /** It rings (or Follow Me runs); afterRing: where a failed ring goes (undefined: voicemail as usual). */
  | { kind: 'ring'; afterRing: AfterRing | undefined; notes: string[] }

export function decideForwarding(input: ForwardingInput): ForwardingDecision {
  const notes: string[] = []
  const { settings } = input
  const all = resolve(input, 'all', notes)
  if (all !== undefined) return { kind: 'forward', reason: 'all', step: all, notes }

  if (settings.doNotDisturb) {
    const busy = resolve(input, 'busy', notes)
    if (busy !== undefined) return { kind: 'forward', reason: 'dnd', step: busy, notes }
    if (settings.doNotDisturbAction === 'voicemail') return { kind: 'forward', reason: 'dnd', step: ownVoicemail(input, 'USER_BUSY', notes), notes }
    return { kind: 'forward', reason: 'dnd', step: { kind: 'hangup', cause: 'USER_BUSY' }, notes }
  }

  const after: AfterRing = {}
  for (const condition of ['busy', 'no_answer', 'not_registered'] as const) {
    if (!settings.forwards[condition].enabled) continue
    if (input.followMeOn) {
      notes.push(`forward ${label(condition)} not used: Follow Me is on (its no-answer action has the last word)`)
      continue
    }
    const step = resolve(input, condition, notes)
    if (step !== undefined) after[condition] = step
  }
  return { kind: 'ring', afterRing: Object.keys(after).length > 0 ? after : undefined, notes }
}

/** The FreeSWITCH causes a failed ring of the extension maps to (facts §12). */
export function conditionOfCause(cause: string): 'busy' | 'no_answer' | 'not_registered' | undefined {
  switch (cause) {
    case 'USER_BUSY':
      return 'busy'
    // Its ring time ran out (call_timeout: NO_ANSWER; a leg's own timeout:
    // ALLOTTED_TIMEOUT), or the phone said 480.
    case 'NO_ANSWER':
    case 'ALLOTTED_TIMEOUT':
    case 'NO_USER_RESPONSE':
      return 'no_answer'
    // sofia_contact gave error/user_not_registered: nothing rang at all.
    case 'USER_NOT_REGISTERED':
      return 'not_registered'
    default:
      return undefined
  }
}

/**
 * After the extension's own ring failed with `cause` (the follow-up lookup):
 * the matching forward, else voicemail (or hang up) as without forwards.
 */
export function decideAfterRing(input: ForwardingInput, cause: string): { step: NoAnswerStep; condition: ForwardCondition | undefined; notes: string[] } {
  const notes: string[] = []
  const condition = conditionOfCause(cause)
  if (condition !== undefined && input.settings.forwards[condition].enabled) {
    const step = resolve(input, condition, notes)
    if (step !== undefined) return { step, condition, notes }
  }
  notes.push(`ring ended ${cause}: ${condition === undefined ? 'no forward for that cause' : `forward ${label(condition)} is off`}`)
  return { step: ownVoicemail(input, condition === 'busy' ? 'USER_BUSY' : 'NO_ANSWER', notes), condition: undefined, notes }
}

function label(condition: ForwardCondition): string {
  return condition.replace('_', '-')
}

/** The forward's step when it is on and can ring now; a loop ends the call (voicemail or hang up). */
function resolve(input: ForwardingInput, condition: ForwardCondition, notes: string[]): NoAnswerStep | undefined {
  const forward = input.settings.forwards[condition]
  if (!forward.enabled || forward.target === null) return undefined
  const what = `forward ${label(condition)} to ${describeTarget(forward.target)}`
  const step = stepOf(input, forward.target, what, notes)
  if (step !== 'loop') return step
  return ownVoicemail(input, condition === 'busy' ? 'USER_BUSY' : 'NO_ANSWER', notes)
}

function stepOf(input: ForwardingInput, target: ForwardTarget, what: string, notes: string[]): NoAnswerStep | 'loop' | undefined {
  const { called, domain } = input
  const known = (number: string) => (number === called.extension ? called : input.extensions.get(number))
  switch (target.kind) {
    case 'extension': {
      if (target.target === called.extension) {
        notes.push(`${what} skipped: it is the extension itself`)
        return undefined
      }
      if (known(target.target) === undefined) {
        notes.push(`${what} skipped: no enabled extension ${target.target} in ${domain}`)
        return undefined
      }
      const visited = [...input.visited, called.extension]
      if (visited.includes(target.target) || visited.length > MAX_TRANSFER_CHAIN) {
        notes.push(`${what} stopped: the call already went through ${[...visited, target.target].join(' → ')} (loop guard)`)
        return 'loop'
      }
      return { kind: 'transfer', extension: target.target, domain, visited }
    }
    case 'voicemail': {
      const box = known(target.target)
      if (box === undefined || !box.voicemailEnabled) {
        notes.push(`${what} skipped: ${box === undefined ? `no enabled extension ${target.target} in ${domain}` : `voicemail is off for ${target.target}`}`)
        return undefined
      }
      return { kind: 'voicemail', box: target.target, domain }
    }
    case 'external': {
      const route = input.routes.get(target.target)
      if (route === undefined || !route.ok) {
        notes.push(`${what} skipped: ${route?.reason ?? `no outbound route decision for ${target.target}`}`)
        return undefined
      }
      return {
        kind: 'external',
        leg: {
          label: `${route.dial} via ${route.route.gateway}`,
          target: { kind: 'gateway', gateway: route.route.gateway, number: route.dial, callerId: input.callerId },
          startS: 0,
          ringS: called.ringTimeoutS,
          confirm: false,
        },
      }
    }
  }
}

function ownVoicemail(input: ForwardingInput, cause: 'USER_BUSY' | 'NO_ANSWER', notes: string[]): NoAnswerStep {
  if (input.called.voicemailEnabled) return { kind: 'voicemail', box: input.called.extension, domain: input.domain }
  notes.push(`voicemail is off for ${input.called.extension}: hang up with ${cause}`)
  return { kind: 'hangup', cause }
}
