import type { DestinationSettings, ExtensionInfo, FollowMeSettings } from '../followme/plan.js'
import { toForwardingSettings, type ForwardingRow } from '../forwards/repository.js'
import type { ForwardingSettings } from '../forwards/settings.js'

/** The rows a call's routing reads, typed, and how they become the plan's input (no SQL here). */

export interface Tenant {
  id: number
  name: string
}

export interface Callee {
  info: ExtensionInfo
  followMe: FollowMeSettings | undefined
  destinations: DestinationSettings[]
  /** Its DND and forwards (all off without a call_forwarding row). */
  forwarding: ForwardingSettings
  /** extensions.id, for the feature codes' writes. */
  id: number
}


export type ExtensionColumns = {
  extension: string
  display_name: string | null
  outbound_caller_id_name: string | null
  outbound_caller_id_number: string | null
  ring_timeout_s: number
  voicemail_enabled: boolean
  toll_allow: string[]
  inbound_caller_id_prefix: string | null
  do_not_disturb: boolean | null
  tenant_caller_id_name: string | null
  tenant_caller_id_number: string | null
}

export function toInfo(row: ExtensionColumns): ExtensionInfo {
  return {
    extension: row.extension,
    displayName: row.display_name,
    outboundCallerIdName: row.outbound_caller_id_name,
    outboundCallerIdNumber: row.outbound_caller_id_number,
    ringTimeoutS: row.ring_timeout_s,
    voicemailEnabled: row.voicemail_enabled,
    tollAllow: row.toll_allow,
    doNotDisturb: row.do_not_disturb === true,
    inboundCallerIdPrefix: row.inbound_caller_id_prefix,
    tenantCallerIdName: row.tenant_caller_id_name,
    tenantCallerIdNumber: row.tenant_caller_id_number,
  }
}

export type CalleeRow = {
  [K in keyof ExtensionColumns]: ExtensionColumns[K] | null
} & ForwardingRow & {
  extension_id: number | null
  fm_enabled: boolean | null
  strategy: FollowMeSettings['strategy'] | null
  ring_extension_first_s: number | null
  no_answer_action: FollowMeSettings['noAnswerAction'] | null
  no_answer_target: string | null
  external_caller_id: FollowMeSettings['externalCallerId'] | null
  destinations: Array<{
    position: number
    kind: DestinationSettings['kind']
    target: string
    delay_s: number
    ring_for_s: number
    confirm: boolean
  }>
}

export function toCallee(row: CalleeRow): Callee {
  // The left join found a follow_me row when fm_enabled is set; its other
  // columns are NOT NULL (migrations/0001), so set too.
  const fm = row as CalleeRow & { [K in 'strategy' | 'ring_extension_first_s' | 'no_answer_action' | 'external_caller_id']: NonNullable<CalleeRow[K]> }
  const followMe: FollowMeSettings | undefined =
    row.fm_enabled === null
      ? undefined
      : {
          enabled: row.fm_enabled,
          strategy: fm.strategy,
          ringExtensionFirstS: fm.ring_extension_first_s,
          noAnswerAction: fm.no_answer_action,
          noAnswerTarget: row.no_answer_target,
          externalCallerId: fm.external_caller_id,
        }
  const destinations = row.destinations.map((d) => ({
    position: d.position,
    kind: d.kind,
    target: d.target,
    delayS: d.delay_s,
    ringForS: d.ring_for_s,
    confirm: d.confirm,
  }))
  // Called only when the left join found the extension: its columns are set.
  return { info: toInfo(row as ExtensionColumns), followMe, destinations, forwarding: toForwardingSettings(row), id: row.extension_id as number }
}
