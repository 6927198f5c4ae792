import type { XmlCurlFields } from '../freeswitch/fields.js'
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'

/**
 * The user lookups the service answers (facts §3). `user_data` stands for
 * every lookup without an action: the user_exists and user_data APIs, and
 * the vanilla dialplan's ${user_data(...)}.
 */
export type UserLookupAction = 'sip_auth' | 'user_call' | 'message-count' | 'voicemail-lookup' | 'user_data'

export type DirectoryRequest =
  /** sofia's domain list at profile start (`<domain name="all">`, purpose=gateways). */
  | { kind: 'domain-list' }
  /** mod_directory's whole-domain lookup for dial-by-name (facts §13). */
  | { kind: 'directory-listing'; domain: string }
  | {
      kind: 'user'
      action: UserLookupAction
      /** Lower case: FreeSWITCH compares domains case-insensitively. */
      domain: string
      user: string
      /** The realm FreeSWITCH challenged with (sip_auth only). */
      realm: string | undefined
    }
  | { kind: 'unsupported'; reason: string }

// A Map, not an object literal: `action=toString` or `action=__proto__` must
// not find Object.prototype's members (an object would answer them).
const ACTIONS: ReadonlyMap<string, UserLookupAction> = new Map([
  ['sip_auth', 'sip_auth'],
  ['user_call', 'user_call'],
  ['message-count', 'message-count'],
  ['voicemail-lookup', 'voicemail-lookup'],
])

/** The lookup's key fields (body prefix: tag_name, key_name, key_value), raw. */
export interface DirectoryKey {
  tagName: string
  keyName: string
  keyValue: string
}

export function parseDirectoryRequest(fields: XmlCurlFields, lookupKey: DirectoryKey): DirectoryRequest {
  if (fields.get('Event-Calling-Function') === 'populate_database') return directoryListing(fields, lookupKey)
  const purpose = fields.get('purpose')
  if (purpose === 'gateways') return { kind: 'domain-list' }
  if (purpose !== undefined) return { kind: 'unsupported', reason: `purpose ${purpose}` }

  const actionField = fields.get('action')
  const action = actionField === undefined ? 'user_data' : ACTIONS.get(actionField)
  if (action === undefined) return { kind: 'unsupported', reason: `action ${actionField}` }

  // Users are looked up by id; mod_voicemail tries number-alias after id, and
  // this service gives no user an alias.
  const key = fields.get('key')
  if (key !== undefined && key !== 'id') return { kind: 'unsupported', reason: `key ${key}` }

  // The event's own `domain`/`user` headers, never the unencoded key_value
  // (see XmlCurlFields).
  const domain = fields.get('domain')?.toLowerCase()
  if (domain === undefined || !isDomainName(domain)) return { kind: 'unsupported', reason: 'no valid domain' }
  const user = fields.get('user')
  if (user === undefined || !isExtensionNumber(user)) return { kind: 'unsupported', reason: 'user is not an extension number' }

  const realm = action === 'sip_auth' ? fields.get('sip_auth_realm') : undefined
  return { kind: 'user', action, domain, user, realm }
}

/**
 * mod_directory's populate_database: `switch_xml_locate_domain` with a fresh,
 * empty params event, so the only fields are the event's own (facts §13:
 * Event-Calling-File mod_directory.c, no action, purpose, user or domain
 * header) and the domain is key_value (not URL-encoded, facts §1: checked
 * against the domain-name shape before use). Anything else that claims the
 * function name is not that lookup.
 */
function directoryListing(fields: XmlCurlFields, key: DirectoryKey): DirectoryRequest {
  const refuse = (why: string): DirectoryRequest => ({ kind: 'unsupported', reason: `populate_database lookup ${why}` })
  if (fields.get('Event-Calling-File') !== 'mod_directory.c') return refuse('not from mod_directory.c')
  for (const name of ['action', 'purpose', 'user', 'domain', 'key']) if (fields.get(name) !== undefined) return refuse(`with a ${name} field`)
  if (key.tagName !== 'domain' || key.keyName !== 'name') return refuse('not keyed by domain name')
  const domain = key.keyValue.toLowerCase()
  if (!isDomainName(domain)) return refuse('for no valid domain')
  return { kind: 'directory-listing', domain }
}
