import type { CallerId, LegTarget, PlannedLeg } from '../followme/plan.js'
import { isDomainName, isExtensionNumber } from './identifiers.js'

/**
 * Renders planned legs as one FreeSWITCH bridge string. Every value is
 * allow-listed or escaped here; nothing else in the code base writes dial
 * string syntax.
 *
 * Form (facts §9, measured on FreeSWITCH 1.10.12): one enterprise branch per
 * leg, `<ignore_early_media=true>{vars}target:_:{vars}target`. It is the only
 * form that rings every registration of an extension and keeps each leg's
 * own delay and ring time, even when an earlier leg is unregistered. Each
 * branch is its own originate (switch_ivr_originate.c:1661-1720), so:
 * - originate_delay_start (ms) holds the branch back before it starts
 *   (switch_ivr_originate.c:2329-2337; runs about 6 % slow, facts §9);
 * - originate_timeout (s) is the branch's ring time, counted after the delay;
 * - a confirm branch rings for leg_timeout, and group_confirm_timeout gives
 *   whoever answers the whole confirm window (switch_ivr_originate.c:789-800)
 *   inside an originate_timeout stretched by that window;
 * - `${sofia_contact(*\/ext@domain)}` expands, when the bridge runs, to every
 *   registered contact, comma-joined: a lone item in a branch, so the
 *   branch's `{}` variables reach each contact (`[]` would reach only the
 *   first, facts §9.1).
 * A single leg needs no enterprise split: its variables go in `{}`.
 */
export interface DialStringSettings {
  /** Seconds a confirm leg keeps after answering to hear the prompt and press 1. */
  confirmTimeoutS: number
  /** The context the service serves the confirm extension in. */
  confirmContext: string
  /** Its extension: plays the prompt, keeps the leg on 1, hangs it up otherwise. */
  confirmExtension: string
}

export class UnsafeDialStringError extends Error {
  override name = 'UnsafeDialStringError'
}

export interface RenderedBridge {
  dial: string
  /** Legs left out because a value failed the allow-list (never expected: the schema checks first). */
  skipped: string[]
}

export function renderBridge(legs: readonly PlannedLeg[], settings: DialStringSettings): RenderedBridge {
  const branches: Branch[] = []
  const skipped: string[] = []
  for (const leg of legs) {
    try {
      branches.push(branchOf(leg, settings))
    } catch (err) {
      if (!(err instanceof UnsafeDialStringError)) throw err
      skipped.push(`${leg.label}: ${err.message}`)
    }
  }
  const early: Var = ['ignore_early_media', 'true']
  const [only] = branches
  if (branches.length === 1 && only) return { dial: block('{', [early, ...only.vars], '}') + only.endpoint, skipped }
  const dial = branches.map((b) => block('{', b.vars, '}') + b.endpoint).join(':_:')
  return { dial: dial === '' ? '' : block('<', [early], '>') + dial, skipped }
}

type Var = [name: string, value: string]

interface Branch {
  vars: Var[]
  endpoint: string
}

function block(open: string, vars: readonly Var[], close: string): string {
  return `${open}${vars.map(([k, v]) => `${k}=${v}`).join(',')}${close}`
}

function branchOf(leg: PlannedLeg, settings: DialStringSettings): Branch {
  const vars: Var[] = []
  if (leg.startS > 0) vars.push(['originate_delay_start', String(leg.startS * 1000)])
  if (leg.confirm) {
    vars.push(
      ['originate_timeout', String(leg.ringS + settings.confirmTimeoutS)],
      ['leg_timeout', String(leg.ringS)],
      ['group_confirm_timeout', String(settings.confirmTimeoutS)],
      ['group_confirm_key', 'exec'],
      ['group_confirm_file', `execute_extension ${settings.confirmExtension} XML ${settings.confirmContext}`],
    )
  } else {
    vars.push(['originate_timeout', String(leg.ringS)])
  }
  vars.push(...targetVars(leg.target))
  return { vars, endpoint: endpoint(leg.target) }
}

function targetVars(target: LegTarget): Var[] {
  if (target.kind === 'registrations') {
    const aor = `${extension(target.extension)}@${domain(target.domain)}`
    return [
      ['sip_invite_domain', domain(target.domain)],
      ['presence_id', aor],
    ]
  }
  return target.callerId ? callerIdVars(target.callerId) : []
}

/**
 * origination_caller_id_* for a gateway leg: they win over the A-leg's
 * effective_caller_id_* (facts §14), so an inbound prefix set on the A-leg
 * never reaches a mobile. The name is dropped if nothing of it survives; no
 * number: the leg keeps the call's.
 */
export function callerIdVars(callerId: CallerId): Var[] {
  const vars: Var[] = []
  const name = escapeCallerIdName(callerId.name)
  if (name !== '') vars.push(['origination_caller_id_name', name])
  if (callerId.number !== undefined) vars.push(['origination_caller_id_number', phoneNumber(callerId.number)])
  return vars
}

/**
 * What an extension's phones show for an external caller: the prefix, then
 * the caller's name, as a `set` of the A-leg's effective_caller_id_name, a
 * separate action and never inside a bridge's `{}` (facts §14: a caller
 * name holding `}` `,` `|` or `:_:` would add legs there). `set` stores
 * the expanded value unsplit (mod_dptools.c:1632-1677); sofia turned any
 * `${` of the caller's name into `%{` when the call came in (facts §14).
 * The prefix is allow-listed again here (the schema's CHECK first):
 * nothing sofia cuts names at (: / @) and nothing that is syntax.
 */
export function inboundCallerIdNameData(prefix: string): string {
  if (!INBOUND_PREFIX.test(prefix)) throw new UnsafeDialStringError(`inbound caller ID prefix ${JSON.stringify(prefix)} is not allowed`)
  return `${EFFECTIVE_CALLER_ID_NAME}=${prefix}\${caller_id_name}`
}

/** The A-leg variable the prefix is set in; unset, the legs show the caller's own name again. */
export const EFFECTIVE_CALLER_ID_NAME = 'effective_caller_id_name'

/** extensions_inbound_caller_id_prefix_safe (migrations/0007). */
export const INBOUND_PREFIX = /^[A-Za-z0-9#*+._-][A-Za-z0-9 #*+._-]{0,15}$/

function endpoint(target: LegTarget): string {
  if (target.kind === 'registrations') {
    return `\${sofia_contact(*/${extension(target.extension)}@${domain(target.domain)})}`
  }
  return `sofia/gateway/${gateway(target.gateway)}/${phoneNumber(target.number)}`
}

/**
 * A caller ID name as a `{}` value. Display names (a carrier's included) are
 * never a reason to drop a leg: letters of any script, digits, spaces and
 * common punctuation stay; an apostrophe becomes ’ (FreeSWITCH removes
 * paired quotes, facts §5 "Escaping"); a comma is escaped `\,` (an unescaped
 * one ends the value); anything else ($ { } [ ] | ^ : \ and control
 * characters included) becomes a space.
 */
export function escapeCallerIdName(name: string): string {
  return name
    .normalize('NFC')
    .replace(/'/g, '\u2019')
    .replace(/[^\p{L}\p{M}\p{N} .\-_&!?()/+#@,\u2019]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 64)
    .trim()
    .replace(/,/g, '\\,')
}

const GATEWAY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const PHONE_NUMBER = /^\+?[0-9]{1,24}$/

function gateway(value: string): string {
  if (!GATEWAY.test(value)) throw new UnsafeDialStringError(`gateway name ${JSON.stringify(value)} is not allowed`)
  return value
}

function phoneNumber(value: string): string {
  if (!PHONE_NUMBER.test(value)) throw new UnsafeDialStringError(`number ${JSON.stringify(value)} is not allowed`)
  return value
}

function extension(value: string): string {
  if (!isExtensionNumber(value)) throw new UnsafeDialStringError(`extension ${JSON.stringify(value)} is not allowed`)
  return value
}

function domain(value: string): string {
  if (!isDomainName(value)) throw new UnsafeDialStringError(`domain ${JSON.stringify(value)} is not allowed`)
  return value
}

/**
 * The destination a failed ring of the extension is transferred to, so the
 * service decides its busy / no-answer / not-registered forward in a
 * follow-up lookup: `failed_<EXT>_<CAUSE>`, the cause being what bridge
 * left in originate_failed_cause (facts §12; set on every failure, in both
 * originate modes). Letters, digits and _ only: it passes the dialplan
 * request's destination allow-list.
 */
export const FOLLOW_UP_PREFIX = 'failed_'

/** `transfer` data for the follow-up of `extension`'s failed ring; FreeSWITCH expands the cause when it runs. */
export function followUpTransferData(ext: string, dom: string): string {
  return `${FOLLOW_UP_PREFIX}${extension(ext)}_\${originate_failed_cause} XML ${domain(dom)}`
}

/** `transfer` data to an extension of the tenant (its own rules then apply). */
export function transferData(ext: string, dom: string): string {
  return `${extension(ext)} XML ${domain(dom)}`
}

/** `voicemail` data: a box of the tenant. */
export function voicemailData(profile: string, dom: string, box: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(profile)) throw new UnsafeDialStringError(`voicemail profile ${JSON.stringify(profile)} is not allowed`)
  return `${profile} ${domain(dom)} ${extension(box)}`
}

const PROFILE = /^[A-Za-z0-9_-]{1,64}$/

function profile(what: string, value: string): string {
  if (!PROFILE.test(value)) throw new UnsafeDialStringError(`${what} profile ${JSON.stringify(value)} is not allowed`)
  return value
}

/** `directory` data: mod_directory's `<profile> <domain>`; the context defaults to the domain (mod_directory.c:1007-1013). */
export function directoryData(directoryProfile: string, dom: string): string {
  return `${profile('directory', directoryProfile)} ${domain(dom)}`
}

/** The mod_voicemail profile whose recorded names mod_directory plays (facts §13, mod_directory.c:1017-1019). */
export function directoryVoicemailProfileData(voicemailProfile: string): string {
  return `directory_voicemail_profile=${profile('voicemail', voicemailProfile)}`
}

/** The transfer chain as a channel variable's value: extension numbers, comma-separated. */
export function visitedData(name: string, visited: readonly string[]): string {
  return `${name}=${visited.map(extension).join(',')}`
}
