import type { XmlCurlFields } from '../freeswitch/fields.js'
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'

/** The contexts the service answers besides its tenants' (a tenant's context is its domain name). */
export const PUBLIC_CONTEXT = 'public'
/**
 * Where the confirm extension lives. The underscore keeps it out of reach
 * of tenants: a domain name cannot contain one (domains_name_valid_hostname).
 */
export const CONFIRM_CONTEXT = 'followme_confirm'

export type Caller =
  /** FreeSWITCH authenticated this extension of the context's domain (digest auth against our directory). */
  | { kind: 'extension'; extension: string }
  /**
   * A carrier, a transfer, anything not authenticated as one of the
   * context's extensions: an external caller. `name` and `number` are the
   * caller ID it presents (Hunt-/Caller-Caller-ID-*), attacker-controlled:
   * they reach FreeSWITCH only through dial-string.ts's escaping.
   */
  | { kind: 'anonymous'; name?: string | undefined; number?: string | undefined }

export type DialplanRequest =
  | {
      kind: 'call'
      /** `public` or a tenant's domain (lower case). */
      context: string
      /** As FreeSWITCH sent it, for the answer's <context name>. */
      contextName: string
      destination: string
      caller: Caller
      /** Extensions this call went through by no-answer transfers (set by the service; loop guard). */
      visited: string[]
      /**
       * The call's Unique-ID when the lookup carries a channel (channelOf).
       * Undefined: nothing may be written for this lookup (no feature code).
       */
      uniqueId: string | undefined
      /**
       * What the channel's last failed bridge left in originate_failed_cause
       * (facts §12), when it looks like a cause name: a follow-up lookup
       * (failed_<EXT>_<CAUSE>) is answered only when it matches.
       */
      failedCause: string | undefined
    }
  | { kind: 'confirm'; destination: string }
  | { kind: 'unsupported'; reason: string }

/** What a dialled string may contain to be routed at all: digits, *, #, + and the letters of fm<EXT> or our own names. */
const DESTINATION = /^[0-9A-Za-z*#+_]{1,64}$/

/** Variable that carries the transfer chain from one lookup to the next. */
export const VISITED_VARIABLE = 'followme_visited'

export function parseDialplanRequest(fields: XmlCurlFields): DialplanRequest {
  // Hunt-* is the caller profile being routed now (after a transfer, the new one).
  const contextName = fields.get('Hunt-Context') ?? fields.get('Caller-Context')
  const destination = fields.get('Hunt-Destination-Number') ?? fields.get('Caller-Destination-Number')
  if (contextName === undefined) return { kind: 'unsupported', reason: 'no context' }
  const context = contextName.toLowerCase()
  if (context !== PUBLIC_CONTEXT && context !== CONFIRM_CONTEXT && !isDomainName(context)) {
    return { kind: 'unsupported', reason: `context ${contextName}` }
  }
  if (destination === undefined || !DESTINATION.test(destination)) {
    return { kind: 'unsupported', reason: 'no routable destination number' }
  }
  if (context === CONFIRM_CONTEXT) return { kind: 'confirm', destination }

  return {
    kind: 'call',
    context,
    contextName,
    destination,
    caller: callerOf(fields, context),
    visited: (fields.get(`variable_${VISITED_VARIABLE}`) ?? '').split(',').filter(isExtensionNumber),
    uniqueId: channelOf(fields),
    failedCause: causeOf(fields.get('variable_originate_failed_cause')),
  }
}

/** A FreeSWITCH cause name (switch_channel_cause2str: upper case and _). */
const CAUSE = /^[A-Z_]{1,40}$/

function causeOf(value: string | undefined): string | undefined {
  return value !== undefined && CAUSE.test(value) ? value : undefined
}

/**
 * The Unique-ID of the channel being routed, when the lookup describes one
 * the way dialplan_xml_locate does: the channel's basic data (Unique-ID,
 * Channel-Name) and its caller profile (Caller-Unique-ID, the same UUID:
 * switch_caller_profile_new takes the session's, and transfers clone it).
 * Only such a lookup may change rows (feature codes).
 */
function channelOf(fields: XmlCurlFields): string | undefined {
  const uniqueId = fields.get('Unique-ID')
  if (uniqueId === undefined || !UNIQUE_ID.test(uniqueId)) return undefined
  if (fields.get('Caller-Unique-ID') !== uniqueId || fields.get('Channel-Name') === undefined) return undefined
  return uniqueId
}

/** FreeSWITCH's UUIDs (switch_uuid_format); the audit's call_uuid column keeps the same shape. */
const UNIQUE_ID = /^[0-9A-Za-z-]{1,64}$/

/**
 * The caller is one of our extensions only when FreeSWITCH authenticated it:
 * sofia sets sip_authorized, user_name and domain_name from the directory
 * answer after a successful digest (sofia_reg.c:3444-3479). The From header
 * and caller ID are never trusted. The domain must be the context's.
 */
function callerOf(fields: XmlCurlFields, context: string): Caller {
  const external = (): Caller => ({
    kind: 'anonymous',
    name: fields.get('Hunt-Caller-ID-Name') ?? fields.get('Caller-Caller-ID-Name'),
    number: fields.get('Hunt-Caller-ID-Number') ?? fields.get('Caller-Caller-ID-Number'),
  })
  if (fields.get('variable_sip_authorized') !== 'true') return external()
  const user = fields.get('variable_user_name')
  const domain = fields.get('variable_domain_name')?.toLowerCase()
  if (user === undefined || !isExtensionNumber(user) || domain !== context) return external()
  return { kind: 'extension', extension: user }
}
