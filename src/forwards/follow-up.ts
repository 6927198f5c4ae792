import { FOLLOW_UP_PREFIX } from '../freeswitch/dial-string.js'

/**
 * The follow-up lookup after the extension's own ring failed:
 * failed_<EXT>_<CAUSE> (dial-string.ts writes it). Undefined for any other
 * destination.
 */
export function parseFollowUp(destination: string): { extension: string; cause: string } | undefined {
  if (!destination.startsWith(FOLLOW_UP_PREFIX)) return undefined
  const match = /^([0-9]{1,15})_([A-Z_]{1,40})$/.exec(destination.slice(FOLLOW_UP_PREFIX.length))
  if (match === null) return undefined
  return { extension: match[1] as string, cause: match[2] as string }
}
