import { createHash } from 'node:crypto'
import type { DirectoryUserRow } from './repository.js'

export interface DirectoryUser {
  domain: string
  id: string
  params: ReadonlyArray<readonly [name: string, value: string]>
  variables: ReadonlyArray<readonly [name: string, value: string]>
}

/**
 * Rings every registration of the user: sofia_contact(*\/user@domain) expands
 * to all contacts, comma-joined, and a lone `user/X` bridge runs this whole
 * string (facts §3, "user/ endpoint"; vanilla directory/default.xml:24 minus
 * verto). The ${...} are FreeSWITCH's own variables, set by the user/
 * endpoint; no row value goes into it.
 */
export const USER_DIAL_STRING =
  '{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}'

/** md5(user:realm:password), the HA1 of RFC 2617 that FreeSWITCH checks digests against. */
export function a1Hash(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`).digest('hex')
}

/**
 * The user entry FreeSWITCH gets for every lookup of an extension.
 *
 * - a1-hash, never the password. It is computed with the realm FreeSWITCH
 *   challenged with (sip_auth_realm), else the domain, which is what the
 *   voicemail login checks against too (mod_voicemail.c, `thehash`).
 * - The user always has params, and allow-empty-password is off: a user
 *   without params is AUTH_OK with no digest check (sofia_reg.c:3230-3336).
 * - outbound_caller_id_*: what the dialplan presents outside
 *   (followme/plan.ts extensionCallerId, the same fallbacks: the
 *   extension's, the tenant's, its name or number), for static dialplans
 *   that read them, such as FreeSWITCH's fallback when a lookup gets 503.
 */
export function directoryUser(row: DirectoryUserRow, realm: string | undefined): DirectoryUser {
  const name = row.display_name ?? row.extension
  const params: Array<readonly [string, string]> = [
    ['a1-hash', a1Hash(row.extension, realm ?? row.domain, row.sip_password)],
    ['allow-empty-password', 'false'],
    ['dial-string', USER_DIAL_STRING],
    ['vm-enabled', String(row.voicemail_enabled)],
  ]
  if (row.voicemail_enabled && row.voicemail_pin !== null) params.push(['vm-password', row.voicemail_pin])

  const variables: Array<readonly [string, string]> = [
    ['user_context', row.domain],
    ['effective_caller_id_name', name],
    ['effective_caller_id_number', row.extension],
    ['outbound_caller_id_name', row.outbound_caller_id_name ?? row.tenant_caller_id_name ?? name],
    ['outbound_caller_id_number', row.outbound_caller_id_number ?? row.tenant_caller_id_number ?? row.extension],
    ['toll_allow', row.toll_allow.join(',')],
    ['call_timeout', String(row.ring_timeout_s)],
  ]
  return { domain: row.domain, id: row.extension, params, variables }
}
