/**
 * The edge of the status capability: one FreeSWITCH event in, one narrow
 * typed record out (or the reason it is skipped). Header names and meanings
 * are facts-2 §10-11 (FreeSWITCH 1.10.12, sofia_reg.c, switch_channel.c).
 * Pure: no I/O, no clock (the caller passes the time it received the event).
 */
import { cleanText, ipAddress, nodeName, port, profileName, transportOf, userAtHost, type Transport } from './text.js'

/** Reads one header; anything that is not a string (JSON arrays, numbers) counts as absent. */
export type HeaderReader = (name: string) => string | undefined

/** Where an event came from: its node's switchname and the run of FreeSWITCH (Core-UUID). */
export interface Origin {
  node: string
  coreUuid: string
}

/** A registered contact of one of our extensions, as sofia reports it (an event or a listing). */
export interface RegisteredContact {
  profile: string
  callId: string
  domain: string
  extension: string
  contact: string
  userAgent: string | undefined
  networkIp: string | undefined
  networkPort: number | undefined
  transport: Transport | undefined
}

export interface Registered extends Origin, RegisteredContact {
  kind: 'registered'
  /** Seconds granted (sofia::register's expires is a delta). */
  expiresS: number
}

export interface Unregistered extends Origin {
  kind: 'unregistered'
  profile: string
  callId: string
  /** Absent on socket-disconnection (sofia.c:2080-2088). */
  contact: string | undefined
  reason: 'unregistered' | 'socket-disconnection' | 'expired'
}

export interface AuthFailed extends Origin {
  kind: 'auth-failed'
  profile: string | undefined
  networkIp: string
  /** The To user and host: the name that was tried (attacker-chosen). */
  user: string | undefined
  domain: string | undefined
  userAgent: string | undefined
  request: 'REGISTER' | 'INVITE' | 'SUBSCRIBE' | 'MESSAGE' | 'other'
}

export interface ChannelChange extends Origin {
  kind: 'channel'
  uuid: string
  phase: 'up' | 'answered' | 'gone'
  direction: 'inbound' | 'outbound'
  domain: string
  extension: string
  callUuid: string | undefined
  otherParty: string | undefined
}

export type StatusRecord = Registered | Unregistered | AuthFailed | ChannelChange

export type Parsed = { record: StatusRecord } | { skip: 'ignored' | 'malformed'; why: string }

export const REGISTRATION_SUBCLASSES = ['sofia::register', 'sofia::unregister', 'sofia::expire', 'sofia::register_failure'] as const
export const CHANNEL_EVENTS = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE'] as const

const CALL_ID_MAX = 255
const CONTACT_MAX = 1024
const TEXT_MAX = 255

export function parseStatusEvent(get: HeaderReader): Parsed {
  const name = get('Event-Name')
  const origin = originOf(get)
  if (name === 'CUSTOM') {
    const subclass = get('Event-Subclass')
    if (subclass === undefined || !(REGISTRATION_SUBCLASSES as readonly string[]).includes(subclass)) return { skip: 'ignored', why: `subclass ${subclass}` }
    if (origin === undefined) return { skip: 'malformed', why: `${subclass} without FreeSWITCH-Switchname or Core-UUID` }
    switch (subclass) {
      case 'sofia::register':
        return registered(get, origin)
      case 'sofia::register_failure':
        return authFailed(get, origin)
      default:
        return unregistered(get, origin, subclass === 'sofia::expire')
    }
  }
  if (name !== undefined && (CHANNEL_EVENTS as readonly string[]).includes(name)) {
    if (origin === undefined) return { skip: 'malformed', why: `${name} without FreeSWITCH-Switchname or Core-UUID` }
    return channel(get, origin, name)
  }
  return { skip: 'ignored', why: `event ${name}` }
}

function originOf(get: HeaderReader): Origin | undefined {
  const node = nodeName(get('FreeSWITCH-Switchname'))
  const coreUuid = get('Core-UUID')
  return node === undefined || coreUuid === undefined || coreUuid === '' ? undefined : { node, coreUuid }
}

function callIdOf(get: HeaderReader): string | undefined {
  const callId = cleanText(get('call-id'), CALL_ID_MAX + 1)
  return callId === undefined || callId === '' || callId.length > CALL_ID_MAX ? undefined : callId
}

function registered(get: HeaderReader, origin: Origin): Parsed {
  const profile = profileName(get('profile-name'))
  const callId = callIdOf(get)
  // The directory identity sofia merged in (user_name, domain_name), else the
  // AOR: from-user/from-host hold the *To* user and the registration host
  // (sofia_reg.c:2061-2071; the naming trap in facts-2 §10).
  const extension = get('user_name') ?? get('from-user')
  const domain = (get('domain_name') ?? get('from-host'))?.toLowerCase()
  const contact = cleanText(get('contact'), CONTACT_MAX)
  const expires = get('expires')
  if (profile === undefined || callId === undefined || extension === undefined || domain === undefined || contact === undefined) {
    return { skip: 'malformed', why: 'sofia::register without profile-name, call-id, user, domain or contact' }
  }
  if (expires === undefined || !/^[0-9]{1,9}$/.test(expires)) return { skip: 'malformed', why: `sofia::register with expires ${expires}` }
  return {
    record: {
      kind: 'registered',
      ...origin,
      profile,
      callId,
      domain,
      extension,
      contact,
      userAgent: cleanText(get('user-agent'), TEXT_MAX),
      networkIp: ipAddress(get('network-ip')),
      networkPort: port(get('network-port')),
      transport: transportOf(get('status')),
      expiresS: Number(expires),
    },
  }
}

function unregistered(get: HeaderReader, origin: Origin, expired: boolean): Parsed {
  const profile = profileName(get('profile-name'))
  const callId = callIdOf(get)
  if (profile === undefined || callId === undefined) return { skip: 'malformed', why: `${expired ? 'sofia::expire' : 'sofia::unregister'} without profile-name or call-id` }
  const reason = expired ? 'expired' : get('reason') === 'socket-disconnection' ? 'socket-disconnection' : 'unregistered'
  return { record: { kind: 'unregistered', ...origin, profile, callId, contact: cleanText(get('contact'), CONTACT_MAX), reason } }
}

function authFailed(get: HeaderReader, origin: Origin): Parsed {
  const networkIp = ipAddress(get('network-ip'))
  if (networkIp === undefined) return { skip: 'malformed', why: 'sofia::register_failure without a network-ip' }
  const type = get('registration-type')
  const request = type === 'REGISTER' || type === 'INVITE' || type === 'SUBSCRIBE' || type === 'MESSAGE' ? type : 'other'
  return {
    record: {
      kind: 'auth-failed',
      ...origin,
      profile: profileName(get('profile-name')),
      networkIp,
      // Here to-user/to-host *are* the To header (sofia_reg.c:1792-1802).
      user: cleanText(get('to-user'), TEXT_MAX),
      domain: cleanText(get('to-host'), TEXT_MAX)?.toLowerCase(),
      userAgent: cleanText(get('user-agent'), TEXT_MAX),
      request,
    },
  }
}

function channel(get: HeaderReader, origin: Origin, name: string): Parsed {
  // Channel-Presence-ID is the one reliable channel -> extension key
  // (facts-2 §11); a channel without one is no extension's.
  const presence = userAtHost(get('Channel-Presence-ID'))
  if (presence === undefined) return { skip: 'ignored', why: `${name} without a presence id` }
  const uuid = cleanText(get('Unique-ID'), CALL_ID_MAX + 1)
  const direction = get('Call-Direction')
  if (uuid === undefined || uuid === '' || uuid.length > CALL_ID_MAX || (direction !== 'inbound' && direction !== 'outbound')) {
    return { skip: 'malformed', why: `${name} without Unique-ID or Call-Direction` }
  }
  const phase = name === 'CHANNEL_HANGUP_COMPLETE' ? 'gone' : name === 'CHANNEL_ANSWER' || get('Answer-State') === 'answered' ? 'answered' : 'up'
  // The other party: who calls the phone (outbound leg) or what it dialled (inbound).
  const otherParty = direction === 'outbound' ? get('Caller-Caller-ID-Number') : get('Caller-Destination-Number')
  return {
    record: {
      kind: 'channel',
      ...origin,
      uuid,
      phase,
      direction,
      domain: presence.host,
      extension: presence.user,
      callUuid: cleanText(get('Channel-Call-UUID'), CALL_ID_MAX),
      otherParty: cleanText(otherParty, TEXT_MAX),
    },
  }
}
