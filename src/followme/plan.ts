import type { RouteChoice } from '../outbound/route.js'

/**
 * The Follow Me call plan: a pure function of typed rows that returns the
 * timeline of what really rings. No I/O and no FreeSWITCH syntax here
 * (freeswitch/dial-string.ts renders it).
 */

export interface ExtensionInfo {
  extension: string
  displayName: string | null
  outboundCallerIdName: string | null
  outboundCallerIdNumber: string | null
  ringTimeoutS: number
  voicemailEnabled: boolean
  tollAllow: readonly string[]
  /** Do Not Disturb (call_forwarding.do_not_disturb); undefined: off. A Follow Me destination with it on is skipped. */
  doNotDisturb?: boolean
  /** Shown before an external caller's name on its phones (extensions.inbound_caller_id_prefix); undefined/null: none. */
  inboundCallerIdPrefix?: string | null
  /** The tenant's default outbound caller ID (domains.outbound_caller_id_name / _number), used when the extension has none. */
  tenantCallerIdName?: string | null
  tenantCallerIdNumber?: string | null
}

export interface FollowMeSettings {
  enabled: boolean
  strategy: 'sequential' | 'simultaneous'
  ringExtensionFirstS: number
  noAnswerAction: 'voicemail' | 'hangup' | 'transfer'
  noAnswerTarget: string | null
  externalCallerId: 'caller' | 'extension'
}

export interface DestinationSettings {
  position: number
  kind: 'extension' | 'external' | 'voicemail'
  target: string
  delayS: number
  ringForS: number
  confirm: boolean
}

export interface CallerId {
  name: string
  /** Undefined: the leg keeps the call's number (only the name is overridden). */
  number: string | undefined
}

export interface PlanInput {
  domain: string
  called: ExtensionInfo
  /** Undefined: the extension has no Follow Me row. */
  followMe: FollowMeSettings | undefined
  destinations: readonly DestinationSettings[]
  /** Enabled extensions of the domain named by destinations or the no-answer target. */
  extensions: ReadonlyMap<string, ExtensionInfo>
  /** How each external number of the plan would be dialled, under the called extension's toll_allow. */
  routes: ReadonlyMap<string, RouteChoice>
  /** Caller ID for external legs when external_caller_id = caller. */
  callerId: CallerId | undefined
  /** Extensions this call already went through by no-answer transfers (loop guard). */
  visited: readonly string[]
}

export type LegTarget =
  /** Every registration of an extension. */
  | { kind: 'registrations'; extension: string; domain: string }
  | { kind: 'gateway'; gateway: string; number: string; callerId: CallerId | undefined }

export interface PlannedLeg {
  /** What an operator reads: "extension 101", "+15555550100 via carrier". */
  label: string
  target: LegTarget
  /** Seconds from the start of the call. */
  startS: number
  ringS: number
  confirm: boolean
}

export type NoAnswerStep =
  | { kind: 'voicemail'; box: string; domain: string }
  | { kind: 'hangup'; cause: 'NO_ANSWER' | 'USER_BUSY' }
  | { kind: 'transfer'; extension: string; domain: string; visited: readonly string[] }
  | { kind: 'external'; leg: PlannedLeg }

export interface CallPlan {
  mode: 'extension' | 'follow-me-sequential' | 'follow-me-simultaneous'
  legs: PlannedLeg[]
  noAnswer: NoAnswerStep
  /** Why something in the rows does not ring: dropped targets, loop guards. */
  notes: string[]
}

/** How many no-answer transfers one call may go through. */
export const MAX_TRANSFER_CHAIN = 5

export function planCall(input: PlanInput): CallPlan {
  const { called, domain, followMe } = input
  const notes: string[] = []
  const calledLeg = (startS: number, ringS: number): PlannedLeg => ({
    label: `extension ${called.extension}`,
    target: { kind: 'registrations', extension: called.extension, domain },
    startS,
    ringS,
    confirm: false,
  })

  const visitedAlready = input.visited.includes(called.extension)
  if (followMe === undefined || !followMe.enabled || visitedAlready) {
    if (followMe?.enabled && visitedAlready) {
      notes.push(`Follow Me of ${called.extension} skipped: this call already came through it (loop guard)`)
    }
    return { mode: 'extension', legs: [calledLeg(0, called.ringTimeoutS)], noAnswer: ownVoicemailOrHangup(input, notes), notes }
  }

  const legs: PlannedLeg[] = []
  if (followMe.ringExtensionFirstS > 0) legs.push(calledLeg(0, followMe.ringExtensionFirstS))
  let voicemailBox: string | undefined
  let cursor = followMe.ringExtensionFirstS
  for (const d of [...input.destinations].sort((a, b) => a.position - b.position)) {
    const what = `destination ${d.position} (${d.kind} ${d.target})`
    if (d.kind === 'voicemail') {
      const box = input.extensions.get(d.target)
      if (box === undefined) notes.push(`${what} dropped: no enabled extension ${d.target} in ${domain}`)
      else if (!box.voicemailEnabled) notes.push(`${what} dropped: voicemail is off for ${d.target}`)
      else voicemailBox = d.target
      continue
    }
    const target = destinationTarget(d, input, notes, what)
    if (target === undefined) continue
    const startS = followMe.strategy === 'sequential' ? cursor + d.delayS : d.delayS
    legs.push({ label: labelOf(target), target, startS, ringS: d.ringForS, confirm: d.confirm })
    if (followMe.strategy === 'sequential') cursor = startS + d.ringForS
  }

  // A voicemail destination is where the call ends once nothing answered
  // (it may only be last); otherwise the no-answer action decides.
  const noAnswer: NoAnswerStep =
    voicemailBox !== undefined ? { kind: 'voicemail', box: voicemailBox, domain } : noAnswerStep(input, followMe, notes)
  return { mode: followMe.strategy === 'sequential' ? 'follow-me-sequential' : 'follow-me-simultaneous', legs, noAnswer, notes }
}

function destinationTarget(
  d: DestinationSettings,
  input: PlanInput,
  notes: string[],
  what: string,
): LegTarget | undefined {
  if (d.kind === 'extension') {
    if (d.target === input.called.extension) {
      notes.push(`${what} dropped: it is the called extension itself (ring_extension_first_s rings it)`)
      return undefined
    }
    const info = input.extensions.get(d.target)
    if (info === undefined) {
      notes.push(`${what} dropped: no enabled extension ${d.target} in ${input.domain}`)
      return undefined
    }
    if (info.doNotDisturb === true) {
      notes.push(`${what} dropped: Do Not Disturb is on for ${d.target}`)
      return undefined
    }
    return { kind: 'registrations', extension: d.target, domain: input.domain }
  }
  return externalTarget(d.target, input, notes, what)
}

function externalTarget(number: string, input: PlanInput, notes: string[], what: string): LegTarget | undefined {
  const route = input.routes.get(number)
  if (route === undefined || !route.ok) {
    notes.push(`${what} dropped: ${route?.reason ?? `no outbound route decision for ${number}`}`)
    return undefined
  }
  const callerId = input.followMe?.externalCallerId === 'extension' ? extensionCallerId(input.called) : input.callerId
  return { kind: 'gateway', gateway: route.route.gateway, number: route.dial, callerId }
}

function noAnswerStep(input: PlanInput, followMe: FollowMeSettings, notes: string[]): NoAnswerStep {
  switch (followMe.noAnswerAction) {
    case 'voicemail':
      return ownVoicemailOrHangup(input, notes)
    case 'hangup':
      return { kind: 'hangup', cause: 'NO_ANSWER' }
    case 'transfer': {
      const target = followMe.noAnswerTarget ?? ''
      const what = `no-answer transfer to ${target}`
      const visited = [...input.visited, input.called.extension]
      if (input.extensions.has(target)) {
        if (visited.includes(target) || visited.length > MAX_TRANSFER_CHAIN) {
          notes.push(`${what} skipped: the call already went through ${visited.join(' → ')} (loop guard)`)
          return ownVoicemailOrHangup(input, notes)
        }
        return { kind: 'transfer', extension: target, domain: input.domain, visited }
      }
      // Not an extension of the domain: an external number, dialled under
      // the called extension's toll_allow like an external destination.
      const external = externalTarget(target, input, notes, what)
      if (external === undefined) return { kind: 'hangup', cause: 'NO_ANSWER' }
      return {
        kind: 'external',
        leg: { label: labelOf(external), target: external, startS: 0, ringS: input.called.ringTimeoutS, confirm: false },
      }
    }
  }
}

function ownVoicemailOrHangup(input: PlanInput, notes: string[]): NoAnswerStep {
  if (input.called.voicemailEnabled) return { kind: 'voicemail', box: input.called.extension, domain: input.domain }
  notes.push(`voicemail is off for ${input.called.extension}: hang up with NO_ANSWER`)
  return { kind: 'hangup', cause: 'NO_ANSWER' }
}

/**
 * An extension's outbound caller ID (outbound calls; external legs with
 * external_caller_id = extension, or of a call it makes): its own CNAM and
 * number, else the tenant's defaults, else its display name and number.
 */
export function extensionCallerId(e: ExtensionInfo): CallerId {
  return {
    name: e.outboundCallerIdName ?? e.tenantCallerIdName ?? e.displayName ?? e.extension,
    number: e.outboundCallerIdNumber ?? e.tenantCallerIdNumber ?? e.extension,
  }
}

function labelOf(target: LegTarget): string {
  return target.kind === 'registrations' ? `extension ${target.extension}` : `${target.number} via ${target.gateway}`
}

/** What a no-answer step or a forward does, in a few words. */
export function describeNoAnswer(step: NoAnswerStep): string {
  switch (step.kind) {
    case 'voicemail':
      return `voicemail box ${step.box}`
    case 'hangup':
      return `hang up (${step.cause})`
    case 'transfer':
      return `transfer to extension ${step.extension} (its own forwards and Follow Me apply)`
    case 'external':
      return `forward to ${step.leg.label} for ${step.leg.ringS}s`
  }
}
