import type { Action } from '../dialplan/actions.js'
import type { DirectoryListingUser } from '../directory/listing.js'
import type { DirectoryUser, KeptDirectoryUser } from '../directory/user-entry.js'

/** What the service answers, before it becomes XML (freeswitch/xml.ts). */
export type FreeswitchDocument =
  /** Makes FreeSWITCH try the next binding, then its static XML (facts §2). */
  | { kind: 'not-found' }
  | { kind: 'domain-list'; domains: readonly string[] }
  | { kind: 'directory-user'; user: DirectoryUser }
  /** mod_directory's dial-by-name list: every listed user of the domain in one group (directory/listing.ts). */
  | { kind: 'directory-listing'; domain: string; users: readonly DirectoryListingUser[] }
  /** One context holding one extension that matches `destination` and runs `actions`. */
  | { kind: 'dialplan'; context: string; destination: string; actions: readonly Action[] }

export const NOT_FOUND: FreeswitchDocument = { kind: 'not-found' }

/** A document and what the log line of the lookup says about it. */
export interface LookupAnswer {
  document: FreeswitchDocument
  /** e.g. "user", "not-found", "ring", "reject CALL_REJECTED", "feature on". */
  decision: string
  /** Why something did not happen: dropped targets, refusals, loop guards. */
  notes: readonly string[]
  /**
   * May the same request get the same answer until the rows change? False
   * for answers that wrote (feature codes): those run every time.
   */
  cacheable: boolean
  /** A directory user's row, which the cache keeps instead of the rendered XML (directory/user-entry.ts). */
  kept?: KeptDirectoryUser
}
