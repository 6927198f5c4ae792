import { isIP } from 'node:net'

/**
 * What phones and attackers chose (user agents, contacts, Call-IDs) is kept
 * as text and never interpreted. It must still fit a Postgres text column:
 * no NUL, and no control characters an operator's terminal would obey, so
 * those become U+FFFD; bytes that were not UTF-8 already arrive as U+FFFD
 * (the event socket client decodes UTF-8). Long values are cut, not refused.
 */
export function cleanText(value: string | undefined, maxLength: number): string | undefined {
  if (value === undefined) return undefined
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD')
  return [...cleaned].slice(0, maxLength).join('')
}

/** An IPv4 or IPv6 address (Postgres inet), or undefined. */
export function ipAddress(value: string | undefined): string | undefined {
  return value !== undefined && isIP(value) !== 0 ? value : undefined
}

/** A TCP/UDP port 1-65535, or undefined. */
export function port(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,5}$/.test(value)) return undefined
  const n = Number(value)
  return n >= 1 && n <= 65535 ? n : undefined
}

/** A FreeSWITCH switchname as the tables accept it (migrations/0006 is_node_name). */
export function nodeName(value: string | undefined): string | undefined {
  return value !== undefined && value.length >= 1 && value.length <= 255 && !/[\s\u0000-\u001f\u007f]/.test(value) ? value : undefined
}

/** A sofia profile name (letters, digits, _ . -). */
export function profileName(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined
}

/** `user@host` split at the last @, host lower-cased; undefined unless both parts are there. */
export function userAtHost(value: string | undefined): { user: string; host: string } | undefined {
  if (value === undefined) return undefined
  const at = value.lastIndexOf('@')
  if (at <= 0 || at === value.length - 1) return undefined
  return { user: value.slice(0, at), host: value.slice(at + 1).toLowerCase() }
}

export type Transport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss'

/** sofia's status text, e.g. Registered(UDP-NAT) or Registered(TLS)(unknown) exp(...): the transport. */
export function transportOf(status: string | undefined): Transport | undefined {
  const match = /^Registered\((UDP|TCP|TLS|WSS|WS)(?:-NAT)?\)/i.exec(status ?? '')
  return match?.[1]?.toLowerCase() as Transport | undefined
}
