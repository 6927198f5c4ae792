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
 * What a cached REGISTER answer keeps: the row with the password replaced by
 * its a1-hash (the password itself is never kept), and a hit renders it
 * again (a few microseconds). Built as one literal so every kept user shares
 * one hidden class, with toll_allow joined: a heap snapshot of the cache
 * showed a hidden class, a descriptor array and a grown array per entry
 * when it was the database row respread (README, Performance).
 */
export interface KeptDirectoryUser {
  readonly domain: string
  readonly extension: string
  readonly a1Hash: string
  readonly displayName: string | null
  readonly outboundCallerIdName: string | null
  readonly outboundCallerIdNumber: string | null
  readonly tenantCallerIdName: string | null
  readonly tenantCallerIdNumber: string | null
  readonly ringTimeoutS: number
  readonly voicemailEnabled: boolean
  readonly voicemailPin: string | null
  /** Comma-joined, as the toll_allow variable carries it. */
  readonly tollAllow: string
}

export function keptUserOf(row: DirectoryUserRow, realm: string | undefined): KeptDirectoryUser {
  return {
    domain: row.domain,
    extension: row.extension,
    a1Hash: a1Hash(row.extension, realm ?? row.domain, row.sip_password),
    displayName: row.display_name,
    outboundCallerIdName: row.outbound_caller_id_name,
    outboundCallerIdNumber: row.outbound_caller_id_number,
    tenantCallerIdName: row.tenant_caller_id_name,
    tenantCallerIdNumber: row.tenant_caller_id_number,
    ringTimeoutS: row.ring_timeout_s,
    voicemailEnabled: row.voicemail_enabled,
    voicemailPin: row.voicemail_pin,
    tollAllow: row.toll_allow.join(','),
  }
}

/**
 * The user entry FreeSWITCH gets for every lookup of an extension, from
 * its kept row (keptUserOf: the same on a cache miss and a hit).
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
export function userEntryOf(user: KeptDirectoryUser): DirectoryUser {
  const name = user.displayName ?? user.extension
  const params: Array<readonly [string, string]> = [
    ['a1-hash', user.a1Hash],
    ['allow-empty-password', 'false'],
    ['dial-string', USER_DIAL_STRING],
    ['vm-enabled', String(user.voicemailEnabled)],
  ]
  if (user.voicemailEnabled && user.voicemailPin !== null) params.push(['vm-password', user.voicemailPin])

  const variables: Array<readonly [string, string]> = [
    ['user_context', user.domain],
    ['effective_caller_id_name', name],
    ['effective_caller_id_number', user.extension],
    ['outbound_caller_id_name', user.outboundCallerIdName ?? user.tenantCallerIdName ?? name],
    ['outbound_caller_id_number', user.outboundCallerIdNumber ?? user.tenantCallerIdNumber ?? user.extension],
    ['toll_allow', user.tollAllow],
    ['call_timeout', String(user.ringTimeoutS)],
  ]
  return { domain: user.domain, id: user.extension, params, variables }
}
