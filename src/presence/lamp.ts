/**
 * The fm<EXT> BLF lamp: which PRESENCE_IN lights or darkens it, and which
 * PRESENCE_PROBE asks for it. Pure; the headers are exactly those that lit
 * and unlit a subscribed phone's lamp on FreeSWITCH 1.10.12 (facts §9.4),
 * the same recipe mod_valet_parking uses (mod_valet_parking.c:333-402).
 */
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'

export interface Lamp {
  extension: string
  /** The host the phone subscribed with (its domain, or an address when PRESENCE_DEFAULT_DOMAIN maps it). */
  host: string
}

export const LAMP_PREFIX = 'fm'

export function lampAddress(lamp: Lamp): string {
  return `${LAMP_PREFIX}${lamp.extension}@${lamp.host}`
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
    ['unique-id', `${LAMP_PREFIX}${lamp.extension}`],
    ['channel-state', on ? 'CS_ROUTING' : 'CS_HANGUP'],
    ['answer-state', on ? 'confirmed' : 'terminated'],
    ['presence-call-direction', 'inbound'],
  ]
}

export type ProbeTarget =
  | { kind: 'lamp'; extension: string; host: string }
  | { kind: 'ignore'; reason: string }

/**
 * Which lamp a PRESENCE_PROBE (sent by sofia when a phone SUBSCRIBEs,
 * sofia_presence.c:4331-4409) asks about: its `to` is fm<EXT>@<host>.
 */
export function probeTarget(headers: { to?: string | null; proto?: string | null; expires?: string | null }): ProbeTarget {
  const to = headers.to ?? ''
  if ((headers.proto ?? 'sip') !== 'sip') return { kind: 'ignore', reason: `proto ${headers.proto}` }
  if (headers.expires === '0') return { kind: 'ignore', reason: 'unsubscribe' }
  const match = /^fm([0-9]+)@([^@]+)$/.exec(to)
  if (match === null) return { kind: 'ignore', reason: `not a Follow Me lamp: ${to}` }
  const [, extension = '', host = ''] = match
  const lowerHost = host.toLowerCase()
  if (!isExtensionNumber(extension) || !isDomainName(lowerHost)) return { kind: 'ignore', reason: `not a Follow Me lamp: ${to}` }
  return { kind: 'lamp', extension, host: lowerHost }
}
