/**
 * What a node has now, from its API answers, at (re)connect and restart:
 * - `sofia xmlstatus`: the profiles;
 * - `sofia xmlstatus profile <name> reg`: one <registration> per sofia row
 *   (mod_sofia.c:2825-2866, facts-2 §10);
 * - `show channels as json`: the core channels table (facts-2 §11).
 *
 * The xmlstatus output is not well-formed XML: call-id and user are not
 * escaped and phones put bare &, control characters and invalid UTF-8 in
 * their user agents (FusionPBX cleans it before parsing). A strict parser
 * would refuse the whole list for one phone, so each element's text is
 * read on its own, entities decoded where they are well-formed and
 * anything else kept as text. Pure.
 */
import type { RegisteredContact } from './records.js'
import { cleanText, ipAddress, nodeName, port, profileName, transportOf, userAtHost } from './text.js'

export interface ListedRegistration extends RegisteredContact {
  node: string
  expiresS: number
}

export interface ListedChannel {
  uuid: string
  direction: 'inbound' | 'outbound'
  answered: boolean
  domain: string
  extension: string
  callUuid: string | undefined
  otherParty: string | undefined
}

/** sofia's default sip-expires-late-margin: expsecs includes it (sofia_reg.c:2015). */
export const EXPIRES_LATE_MARGIN_S = 60

/** The names of the SIP profiles (not aliases, not gateways) in `sofia xmlstatus`. */
export function listedProfiles(xml: string): string[] {
  const names: string[] = []
  for (const block of elements(xml, 'profile')) {
    const type = text(block, 'type')
    const name = profileName(text(block, 'name'))
    if (type === 'profile' && name !== undefined && !names.includes(name)) names.push(name)
  }
  return names
}

/**
 * The registrations of `profile` held by `node` (with a shared sofia database
 * the list has other nodes' rows too: <host> tells them apart). Rows that
 * cannot be keyed are counted in `skipped`.
 */
export function listedRegistrations(xml: string, profile: string, node: string): { rows: ListedRegistration[]; skipped: number } {
  const rows: ListedRegistration[] = []
  let skipped = 0
  for (const block of elements(xml, 'registration')) {
    const host = nodeName(text(block, 'host'))
    if (host !== undefined && host !== node) continue
    const callId = cleanText(text(block, 'call-id'), 256)
    const user = userAtHost(text(block, 'user'))
    const contact = cleanText(text(block, 'contact'), 1024)
    const status = text(block, 'status')
    const expsecs = /expsecs\((-?[0-9]+)\)/.exec(status ?? '')?.[1]
    if (callId === undefined || callId === '' || callId.length > 255 || user === undefined || contact === undefined || expsecs === undefined) {
      skipped++
      continue
    }
    rows.push({
      node,
      profile,
      callId,
      domain: user.host,
      extension: user.user,
      contact,
      userAgent: cleanText(text(block, 'agent'), 255),
      networkIp: ipAddress(text(block, 'network-ip')),
      networkPort: port(text(block, 'network-port')),
      transport: transportOf(status),
      expiresS: Math.max(0, Number(expsecs) - EXPIRES_LATE_MARGIN_S),
    })
  }
  return { rows, skipped }
}

/**
 * `show channels as json`: {"row_count":N,"rows":[{...}]} or {"row_count": 0}
 * (mod_commands.c:5955-5994). Channels without a presence_id are nobody's.
 */
export function listedChannels(json: string): ListedChannel[] | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || !('row_count' in parsed)) return undefined
  const rows = (parsed as { rows?: unknown }).rows
  if (!Array.isArray(rows)) return []
  const channels: ListedChannel[] = []
  for (const row of rows as unknown[]) {
    if (typeof row !== 'object' || row === null) continue
    const field = (name: string) => {
      const value = (row as Record<string, unknown>)[name]
      return typeof value === 'string' && value !== '' ? value : undefined
    }
    const presence = userAtHost(field('presence_id'))
    const uuid = cleanText(field('uuid'), 256)
    const direction = field('direction')
    if (presence === undefined || uuid === undefined || uuid.length > 255 || (direction !== 'inbound' && direction !== 'outbound')) continue
    const callstate = field('callstate')
    channels.push({
      uuid,
      direction,
      answered: callstate === 'ACTIVE' || callstate === 'HELD' || callstate === 'UNHELD',
      domain: presence.host,
      extension: presence.user,
      callUuid: cleanText(field('call_uuid'), 255),
      otherParty: cleanText(direction === 'outbound' ? field('cid_num') : field('dest'), 255),
    })
  }
  return channels
}

/** The inner text of every <name>…</name> (not nested). */
function elements(xml: string, name: string): string[] {
  const found: string[] = []
  const open = `<${name}>`
  const close = `</${name}>`
  let from = 0
  for (;;) {
    const start = xml.indexOf(open, from)
    if (start === -1) return found
    const end = xml.indexOf(close, start + open.length)
    if (end === -1) return found
    found.push(xml.slice(start + open.length, end))
    from = end + close.length
  }
}

/** The decoded text of the first <name>…</name> in `block`. */
function text(block: string, name: string): string | undefined {
  const inner = elements(block, name)[0]
  return inner === undefined ? undefined : decodeEntities(inner.trim())
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(value: string): string {
  return value.replace(/&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g, (whole, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named !== undefined) return NAMED[named] ?? whole
    const code = dec !== undefined ? Number(dec) : Number.parseInt(hex ?? '', 16)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
  })
}
