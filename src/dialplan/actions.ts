import {
  directoryData,
  directoryVoicemailProfileData,
  EFFECTIVE_CALLER_ID_NAME,
  followUpTransferData,
  inboundCallerIdNameData,
  renderBridge,
  transferData,
  UnsafeDialStringError,
  visitedData,
  voicemailData,
  type DialStringSettings,
} from '../freeswitch/dial-string.js'
import type { DialByNameSettings } from '../dialbyname/feature.js'
import type { NoAnswerStep } from '../followme/plan.js'
import type { ForwardingCodes } from '../forwards/feature-codes.js'
import { presenceInHeaders } from '../presence/lamp.js'
import type { CallDecision, FeatureOutcome, ShownCallerName } from './decision.js'
import { CONFIRM_CONTEXT, VISITED_VARIABLE } from './request.js'

/** One `<action application=… data=…/>`. */
export type Action = readonly [application: string, data?: string]

export interface DialplanSettings extends DialStringSettings, DialByNameSettings {
  /** Sound played to a confirm leg: a file of the installed sound pack, or tone_stream:// / silence_stream://. */
  confirmPrompt: string
  /** mod_voicemail profile for voicemail actions. */
  voicemailProfile: string
  /** What a phone dials to toggle its Follow Me (default *21). */
  toggleCode: string
  /** Announcements after *21 / the fm<EXT> key, by outcome: sound-pack files or tone_stream://. */
  featurePrompts: Readonly<Record<FeatureOutcome, string>>
  /** What a phone dials for DND and forward all (*78/*79/*77, *72/*73/*74). */
  forwardingCodes: ForwardingCodes
  /** Announcements after those codes and the dnd<EXT>/cf<EXT> keys; refusals use featurePrompts. */
  forwardingPrompts: Readonly<Record<'dnd' | 'forward-all', { on: string; off: string }>>
}

export const CONFIRM_EXTENSION = 'followme_confirm'
const CONFIRM_DIGIT_VARIABLE = 'followme_confirm_digit'
/** Seconds the confirm prompt waits for a digit before playing again. */
const CONFIRM_DIGIT_TIMEOUT_S = 5

/** The dialplan actions that carry out a decision, in order. Pure. */
export function actionsFor(decision: CallDecision, settings: DialplanSettings): { actions: Action[]; skipped: string[] } {
  switch (decision.kind) {
    case 'reject':
      return { actions: [['hangup', decision.cause]], skipped: [] }
    case 'feature': {
      const actions: Action[] = []
      for (const { lamp, on } of decision.lamps) {
        // Every presence header explicit: the event app appends the caller's
        // own channel headers after them, and the first of a name wins
        // (mod_dptools.c:1895-1946, facts §6).
        const headers = presenceInHeaders(lamp, on)
        actions.push(['event', [['Event-Name', 'PRESENCE_IN'], ...headers].map(([k, v]) => `${k}=${v}`).join(',')])
      }
      const { feature, outcome } = decision
      const prompt =
        feature !== 'follow-me' && (outcome === 'on' || outcome === 'off') ? settings.forwardingPrompts[feature][outcome] : settings.featurePrompts[outcome]
      actions.push(['answer'], ['sleep', '500'], ['playback', prompt], ['hangup', 'NORMAL_CLEARING'])
      return { actions, skipped: [] }
    }
    case 'forward': {
      // The extension does not ring: DND or a forward sends the call on.
      const { step } = decision
      const shown = callerNameActions(decision.callerName)
      const lead: Action[] = step.kind === 'external' ? [['set', 'hangup_after_bridge=true'], ['ring_ready']] : []
      const after = noAnswerActions(step, settings)
      return { actions: [...shown.actions, ...lead, ...after.actions], skipped: [...shown.skipped, ...after.skipped] }
    }
    case 'dial-by-name':
      return rendered(
        () => [
          ['answer'],
          ['sleep', '500'],
          // The recorded names are mod_voicemail's (facts §13): vm_prefs of
          // this profile; without it, the directory profile's name is used.
          ['set', directoryVoicemailProfileData(settings.voicemailProfile)],
          ['directory', directoryData(settings.directoryProfile, decision.domain)],
        ],
        'dial-by-name',
      )
    case 'outbound': {
      const { dial, skipped } = renderBridge([decision.leg], settings)
      if (dial === '') return { actions: [['hangup', 'NO_ROUTE_DESTINATION']], skipped }
      // Failure causes (busy, congestion) reach the caller as they are.
      return { actions: [['set', 'hangup_after_bridge=true'], ['bridge', dial]], skipped }
    }
    case 'ring': {
      const { plan } = decision
      const shown = callerNameActions(decision.callerName)
      const bridge = renderBridge(plan.legs, settings)
      const { dial } = bridge
      const skipped = [...shown.skipped, ...bridge.skipped]
      const actions: Action[] = [
        ...shown.actions,
        ['set', 'hangup_after_bridge=true'],
        // Go on to the no-answer step whatever the bridge's failure cause
        // (busy, unregistered, no answer): switch_channel.c:4879ff.
        ['set', 'continue_on_fail=true'],
        // 180 Ringing now: the caller's phone plays ringback through every
        // gap of the plan, even while nothing rings yet.
        ['ring_ready'],
      ]
      if (dial !== '') actions.push(['bridge', dial])
      // A busy, no-answer or not-registered forward is set: the follow-up
      // lookup decides from the cause the bridge left (facts §12).
      const after = decision.afterRing !== undefined && dial !== '' ? followUpActions(decision.callee, decision.domain) : noAnswerActions(plan.noAnswer, settings)
      return { actions: [...actions, ...after.actions], skipped: [...skipped, ...after.skipped] }
    }
  }
}

/**
 * An external caller's name on the phones: the callee's prefix set on the
 * A-leg before the bridge (every leg that has no origination_caller_id_name
 * of its own shows it: the extension's phones), or unset so the legs show
 * the caller's own name. Nothing for an internal call.
 */
function callerNameActions(shown: ShownCallerName | undefined): { actions: Action[]; skipped: string[] } {
  if (shown === undefined) return { actions: [], skipped: [] }
  const plain: Action = ['unset', EFFECTIVE_CALLER_ID_NAME]
  if (shown.kind === 'plain') return { actions: [plain], skipped: [] }
  try {
    return { actions: [['set', inboundCallerIdNameData(shown.prefix)]], skipped: [] }
  } catch (err) {
    if (!(err instanceof UnsafeDialStringError)) throw err
    return { actions: [plain], skipped: [`inbound caller ID prefix left out: ${err.message}`] }
  }
}

function followUpActions(callee: string, domain: string): { actions: Action[]; skipped: string[] } {
  return rendered(() => [['transfer', followUpTransferData(callee, domain)]], `follow-up of ${callee}`)
}

/** Actions from values the renderer checks; an unsafe one (never expected: the schema checks first) hangs up instead. */
function rendered(build: () => Action[], what: string): { actions: Action[]; skipped: string[] } {
  try {
    return { actions: build(), skipped: [] }
  } catch (err) {
    if (!(err instanceof UnsafeDialStringError)) throw err
    return { actions: [['hangup', 'NO_ANSWER']], skipped: [`${what}: ${err.message}`] }
  }
}

function noAnswerActions(step: NoAnswerStep, settings: DialplanSettings): { actions: Action[]; skipped: string[] } {
  switch (step.kind) {
    case 'voicemail':
      return rendered(
        () => [['answer'], ['sleep', '1000'], ['voicemail', voicemailData(settings.voicemailProfile, step.domain, step.box)]],
        `voicemail box ${step.box}`,
      )
    case 'hangup':
      return { actions: [['hangup', step.cause]], skipped: [] }
    case 'transfer':
      return rendered(
        () => [
          // The next lookup reads it back: a chain of transfers cannot loop.
          ['set', visitedData(VISITED_VARIABLE, step.visited)],
          ['transfer', transferData(step.extension, step.domain)],
        ],
        `transfer to ${step.extension}`,
      )
    case 'external': {
      const { dial, skipped } = renderBridge([step.leg], settings)
      return { actions: [...(dial === '' ? [] : [['bridge', dial] as const]), ['hangup', 'NO_ANSWER']], skipped }
    }
  }
}

/**
 * The confirm extension, run on an answered confirm leg by
 * group_confirm_key=exec / group_confirm_file=execute_extension (facts §9.3b,
 * measured on FreeSWITCH 1.10.12). FreeSWITCH makes the leg the winner only
 * if it is still up when the application returns
 * (switch_ivr_originate.c:204-237), so: 1 returns with the leg up (accept);
 * any other digit, or silence, lands on an extension that hangs the leg up
 * (reject), and only that leg. The hang-up happens inside execute_extension,
 * before the check, so the outcome does not race.
 */
export function confirmActions(destination: string, settings: DialplanSettings): Action[] {
  if (destination === CONFIRM_EXTENSION) {
    // The prompt repeats (5 s for a digit each time) for longer than the
    // confirm window, so group_confirm_timeout, not the read, decides when a
    // silent leg is dropped (measured on FreeSWITCH 1.10.12: with 2 tries a
    // silent leg was dropped 11 s after answering, whatever the window).
    const tries = Math.ceil(settings.confirmTimeoutS / CONFIRM_DIGIT_TIMEOUT_S) + 1
    return [
      [
        'play_and_get_digits',
        `1 1 ${tries} ${CONFIRM_DIGIT_TIMEOUT_S * 1000} # ${settings.confirmPrompt} silence_stream://250 ${CONFIRM_DIGIT_VARIABLE} \\d`,
      ],
      ['execute_extension', `${CONFIRM_EXTENSION}_\${${CONFIRM_DIGIT_VARIABLE}} XML ${CONFIRM_CONTEXT}`],
    ]
  }
  if (destination === `${CONFIRM_EXTENSION}_1`) return [['log', 'INFO Follow Me: call accepted with 1']]
  return [['hangup', 'CALL_REJECTED']]
}
