import type { Generated } from 'kysely'

/**
 * Kysely's view of the tables in migrations/. The SQL files are the source of
 * truth (constraints, comments); these types only describe the columns.
 */
export interface DomainsTable {
  id: Generated<number>
  name: string
  enabled: Generated<boolean>
}

export interface ExtensionsTable {
  id: Generated<number>
  domain_id: number
  extension: string
  sip_password: string
  display_name: string | null
  outbound_caller_id_name: string | null
  outbound_caller_id_number: string | null
  ring_timeout_s: Generated<number>
  voicemail_enabled: Generated<boolean>
  voicemail_pin: string | null
  toll_allow: Generated<string[]>
  enabled: Generated<boolean>
}

export type FollowMeStrategy = 'sequential' | 'simultaneous'
export type NoAnswerAction = 'voicemail' | 'hangup' | 'transfer'
export type ExternalCallerId = 'caller' | 'extension'
export type DestinationKind = 'extension' | 'external' | 'voicemail'

export interface FollowMeTable {
  extension_id: number
  enabled: Generated<boolean>
  strategy: Generated<FollowMeStrategy>
  ring_extension_first_s: Generated<number>
  no_answer_action: Generated<NoAnswerAction>
  no_answer_target: string | null
  external_caller_id: Generated<ExternalCallerId>
  user_may_choose_strategy: Generated<boolean>
}

export interface FollowMeDestinationsTable {
  id: Generated<number>
  extension_id: number
  position: number
  kind: DestinationKind
  target: string
  delay_s: Generated<number>
  ring_for_s: Generated<number>
  confirm: Generated<boolean>
}

export interface OutboundRoutesTable {
  id: Generated<number>
  domain_id: number
  priority: number
  pattern: string
  gateway: string
  strip_digits: Generated<number>
  prepend: Generated<string>
  toll_class: string | null
}

export interface DidsTable {
  number: string
  domain_id: number
  extension_id: number
}

export interface FollowMeChangesTable {
  id: Generated<number>
  extension_id: number
  changed_at: Generated<Date>
  old_enabled: boolean | null
  new_enabled: boolean
  source: 'feature_code' | 'blf_key' | 'sql' | 'portal'
  changed_by: string
  call_uuid: string | null
  old_settings: unknown
  new_settings: unknown
}

export interface PortalCredentialsTable {
  extension_id: number
  password_hash: string
  set_at: Generated<Date>
}

export interface DB {
  domains: DomainsTable
  extensions: ExtensionsTable
  follow_me: FollowMeTable
  follow_me_destinations: FollowMeDestinationsTable
  outbound_routes: OutboundRoutesTable
  dids: DidsTable
  follow_me_changes: FollowMeChangesTable
  portal_credentials: PortalCredentialsTable
}
