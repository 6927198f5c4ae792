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

const ACTIONS: Readonly<Record<string, UserLookupAction>> = {
  sip_auth: 'sip_auth',
  user_call: 'user_call',
  'message-count': 'message-count',
  'voicemail-lookup': 'voicemail-lookup',
}

export function parseDirectoryRequest(fields: XmlCurlFields): DirectoryRequest {
  const purpose = fields.get('purpose')
  if (purpose === 'gateways') return { kind: 'domain-list' }
  if (purpose !== undefined) return { kind: 'unsupported', reason: `purpose ${purpose}` }

  const actionField = fields.get('action')
  const action = actionField === undefined ? 'user_data' : ACTIONS[actionField]
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
