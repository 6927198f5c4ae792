import type { CallDecision } from '../dialplan/decision.js'
import type { Caller } from '../dialplan/request.js'

/**
 * Dial-by-name: the directory feature code (default *411) runs mod_directory
 * over the caller's own tenant. mod_directory then asks for the domain
 * (directory/listing.ts answers) and transfers the caller to the extension
 * chosen, in the tenant's context (facts §13), where the usual rules apply.
 * Only an extension FreeSWITCH authenticated may use it: the listing names
 * the tenant's people. Pure.
 */
export interface DialByNameSettings {
  /** What a phone dials (FEATURE_CODE_DIRECTORY, default *411). */
  directoryCode: string
  /** The profile of autoload_configs/directory.conf.xml (DIRECTORY_PROFILE, freeswitch-conf ships `default`). */
  directoryProfile: string
}

export const DEFAULT_DIAL_BY_NAME: DialByNameSettings = { directoryCode: '*411', directoryProfile: 'default' }

export function dialByName(domain: string, caller: Caller, destination: string): CallDecision {
  if (caller.kind !== 'extension') {
    return { kind: 'reject', cause: 'CALL_REJECTED', reason: `${destination}: dial-by-name is for the tenant's own extensions (the caller is not authenticated as one)` }
  }
  return { kind: 'dial-by-name', domain, reason: `${destination}: dial-by-name for extension ${caller.extension} of ${domain}` }
}
