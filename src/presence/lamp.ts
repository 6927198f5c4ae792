/**
 * The BLF lamps fm<EXT> (Follow Me), dnd<EXT> (Do Not Disturb) and cf<EXT>
 * (forward all): which PRESENCE_IN lights or darkens one, and which
 * PRESENCE_PROBE asks for one. All three are plain user parts (proto sip),
 * so one recipe serves them; FusionPBX's dnd+<EXT> / forward+<EXT> would
 * change the proto (sofia_presence.c:3848-3882) for no gain. Pure; the headers are exactly those that lit
 * and unlit a subscribed phone's lamp on FreeSWITCH 1.10.12 (facts §9.4),
 * the same recipe mod_valet_parking uses (mod_valet_parking.c:333-402).
 */
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'

/** Which lamp: its name's prefix. */
export type LampFeature = 'fm' | 'dnd' | 'cf'

export interface Lamp {
  feature: LampFeature
  extension: string
  /** The host the phone subscribed with (its domain, or an address when PRESENCE_DEFAULT_DOMAIN maps it). */
  host: string
}

export const LAMP_PREFIX = 'fm'

export function lampAddress(lamp: Lamp): string {
  return `${lamp.feature}${lamp.extension}@${lamp.host}`
}

/**
 * PRESENCE_IN headers for the lamp, in order. unique-id is the lamp's own
 * name, never a call's UUID: sofia would hand an event whose unique-id is a
 * live session to that session instead of firing it (mod_event_socket.c:2241-2284),
 * and without a unique-id it builds no <dialog> element (sofia_presence.c:2818-2975).
 */
export function presenceInHeaders(lamp: Lamp, on: boolean): Array<[string, string]> {
  const address = lampAddress(lamp)
  return [
    ['proto', 'sip'],
    ['from', address],
    ['login', address],
    ['status', 'Active'],
    ['rpid', on ? 'active' : 'unknown'],
    ['event_type', 'presence'],
    ['alt_event_type', 'dialog'],
    ['event_count', '1'],
    ['unique-id', `${lamp.feature}${lamp.extension}`],
    ['channel-state', on ? 'CS_ROUTING' : 'CS_HANGUP'],
    ['answer-state', on ? 'confirmed' : 'terminated'],
    ['presence-call-direction', 'inbound'],
  ]
}

export type ProbeTarget =
  | { kind: 'lamp'; feature: LampFeature; extension: string; host: string }
  | { kind: 'ignore'; reason: string }

/**
 * Which lamp a PRESENCE_PROBE (sent by sofia when a phone SUBSCRIBEs,
 * sofia_presence.c:4331-4409) asks about: its `to` is fm<EXT>@<host>,
 * dnd<EXT>@<host> or cf<EXT>@<host>.
 */
export function probeTarget(headers: { to?: string | null; proto?: string | null; expires?: string | null }): ProbeTarget {
  const to = headers.to ?? ''
  if ((headers.proto ?? 'sip') !== 'sip') return { kind: 'ignore', reason: `proto ${headers.proto}` }
  if (headers.expires === '0') return { kind: 'ignore', reason: 'unsubscribe' }
  const match = /^(fm|dnd|cf)([0-9]+)@([^@]+)$/.exec(to)
  if (match === null) return { kind: 'ignore', reason: `not a lamp of ours: ${to}` }
  const [, feature = '', extension = '', host = ''] = match
  const lowerHost = host.toLowerCase()
  if (!isExtensionNumber(extension) || !isDomainName(lowerHost)) return { kind: 'ignore', reason: `not a lamp of ours: ${to}` }
  return { kind: 'lamp', feature: feature as LampFeature, extension, host: lowerHost }
}
