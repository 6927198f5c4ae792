import type { Generated } from 'kysely'

/**
 * Kysely's view of the tables in migrations/. The SQL files are the source of
 * truth (constraints, comments); these types only describe the columns.
 */
export interface DomainsTable {
  id: Generated<number>
  name: string
  enabled: Generated<boolean>
  outbound_caller_id_name: Generated<string | null>
  outbound_caller_id_number: Generated<string | null>
  outbound_caller_id_any_number: Generated<boolean>
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
  inbound_caller_id_prefix: Generated<string | null>
  directory_visible: Generated<boolean>
  directory_exten_visible: Generated<boolean>
  directory_first_name: Generated<string | null>
  directory_last_name: Generated<string | null>
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

/** migrations/0006: written by src/status only, from the event socket. */
export interface RegistrationsTable {
  id: Generated<string>
  domain_id: number
  extension_id: number
  node: string
  profile: string
  call_id: string
  contact: string
  user_agent: string | null
  network_ip: string | null
  network_port: number | null
  transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss' | null
  expires_at: Date
  first_seen: Generated<Date>
  last_refreshed: Generated<Date>
}

export type RegistrationEventKind = 'online' | 'offline' | 'expired' | 'failed_auth'

export interface RegistrationEventsTable {
  id: Generated<string>
  domain_id: number
  extension_id: number
  at: Generated<Date>
  kind: RegistrationEventKind
  reason: string
  node: string
  profile: string | null
  call_id: string | null
  contact: string | null
  user_agent: string | null
  network_ip: string | null
  network_port: number | null
}

export interface ExtensionChannelsTable {
  node: string
  uuid: string
  domain_id: number
  extension_id: number
  direction: 'inbound' | 'outbound'
  call_uuid: string | null
  other_party: string | null
  created_at: Generated<Date>
  answered_at: Date | null
}

export interface RegistrationFailuresTable {
  network_ip: string
  hour: Date
  node: string
  attempts: number
  first_at: Date
  last_at: Date
  last_user: string | null
  last_domain: string | null
  last_user_agent: string | null
  last_request: string | null
}

export type ExtensionStatusValue = 'in use' | 'ringing' | 'online' | 'offline'

export interface ExtensionStatusView {
  domain: string
  extension: string
  status: ExtensionStatusValue
  phones: string
  ringing_calls: string
  active_calls: string
  user_agents: string[] | null
  nodes: string[] | null
  last_change: Date | null
  extension_id: number
  domain_id: number
}

export interface ExtensionFlapsView {
  domain: string
  extension: string
  transitions: string
  online: string
  offline: string
  expired: string
  failed_auth: string
  last_at: Date
  extension_id: number
}

export type ForwardKind = 'extension' | 'external' | 'voicemail'

export interface CallForwardingTable {
  extension_id: number
  do_not_disturb: Generated<boolean>
  do_not_disturb_action: Generated<'busy' | 'voicemail'>
  forward_all_enabled: Generated<boolean>
  forward_all_kind: ForwardKind | null
  forward_all_target: string | null
  forward_busy_enabled: Generated<boolean>
  forward_busy_kind: ForwardKind | null
  forward_busy_target: string | null
  forward_no_answer_enabled: Generated<boolean>
  forward_no_answer_kind: ForwardKind | null
  forward_no_answer_target: string | null
  forward_not_registered_enabled: Generated<boolean>
  forward_not_registered_kind: ForwardKind | null
  forward_not_registered_target: string | null
}

export interface CallForwardingChangesTable {
  id: Generated<number>
  extension_id: number
  changed_at: Generated<Date>
  setting: 'do_not_disturb' | 'forward_all' | 'forward_busy' | 'forward_no_answer' | 'forward_not_registered'
  old_enabled: boolean | null
  new_enabled: boolean
  old_target: string | null
  new_target: string | null
  source: 'feature_code' | 'blf_key' | 'portal' | 'sql'
  changed_by: string
  call_uuid: string | null
}

export interface DB {
  domains: DomainsTable
  extensions: ExtensionsTable
  follow_me: FollowMeTable
  follow_me_destinations: FollowMeDestinationsTable
  outbound_routes: OutboundRoutesTable
  dids: DidsTable
  follow_me_changes: FollowMeChangesTable
  registrations: RegistrationsTable
  registration_events: RegistrationEventsTable
  extension_channels: ExtensionChannelsTable
  registration_failures: RegistrationFailuresTable
  extension_status: ExtensionStatusView
  extension_flaps: ExtensionFlapsView
  call_forwarding: CallForwardingTable
  call_forwarding_changes: CallForwardingChangesTable
  portal_credentials: PortalCredentialsTable
}
