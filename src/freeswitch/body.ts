import { XmlCurlFields } from './fields.js'

/**
 * The POST body mod_xml_curl sends, parsed as FreeSWITCH writes it, never as
 * a generic form:
 *
 *   hostname=H&section=S&tag_name=T&key_name=K&key_value=V&Event-Name=…&name=value&…
 *
 * The five prefix values are written raw by snprintf into a 512-byte buffer
 * (mod_xml_curl.c:179-180 in 1.10.12), so a `&` in key_value (the realm a
 * phone sent, for a REGISTER) is not a separator: it is data. Then come the
 * lookup event's headers, `name=urlencoded(value)`, names raw
 * (switch_event_build_param_string, switch_event.c:2550-2624), starting with
 * Event-Name, the first header every event gets (switch_event.c:1985-1990).
 *
 * So the prefix is read by position: hostname, section, tag_name and
 * key_name are FreeSWITCH's own words (the switchname, a section name,
 * "domain", "name"), and key_value is everything up to the LAST
 * `&Event-Name=`. An event value cannot contain that text (its `&` and `=`
 * are encoded), so the last one is the genuine start of the event however
 * many a crafted realm carries. Event headers are unique in a lookup event
 * (switch_event.c:773-775); a name that comes twice was forged, and any
 * field read from it refuses the request (XmlCurlFields).
 */
export interface XmlCurlBody {
  /** FreeSWITCH's switchname (the node that asks). */
  hostname: string
  section: string
  tagName: string
  keyName: string
  /** Data only (the domain or realm asked about); never split into fields. */
  keyValue: string
  fields: XmlCurlFields
}

export type BodyParse = { ok: true; body: XmlCurlBody } | { ok: false; reason: string }

const PREFIX = ['hostname', 'section', 'tag_name', 'key_name'] as const
const KEY_VALUE = '&key_value='
/** How the event starts, when there is one (lookups of the directory and the dialplan always have one). */
const EVENT_START = '&Event-Name='

export function parseXmlCurlBody(raw: string): BodyParse {
  if (!raw.startsWith(`${PREFIX[0]}=`)) return refuse('it does not start with hostname=')
  const values: string[] = []
  let at = PREFIX[0].length + 1
  for (const next of [...PREFIX.slice(1).map((name) => `&${name}=`), KEY_VALUE]) {
    const end = raw.indexOf(next, at)
    if (end === -1) return refuse(`${next.slice(1, -1)} is missing from the key fields`)
    values.push(raw.slice(at, end))
    at = end + next.length
  }
  // Some lookups carry no event at all (configuration ones at start-up:
  // switch_event_build_param_string with no event writes the prefix alone).
  const found = raw.lastIndexOf(EVENT_START)
  const eventStart = found < at ? raw.length : found
  const [hostname = '', section = '', tagName = '', keyName = ''] = values
  const keyValue = raw.slice(at, eventStart)

  // Values stay encoded until read (fields.ts): a dialplan lookup carries
  // some 180 fields, of which the service reads a dozen.
  const fields = new Map<string, string>()
  const repeated = new Set<string>()
  for (let at = eventStart + 1; at < raw.length; ) {
    const amp = raw.indexOf('&', at)
    const end = amp === -1 ? raw.length : amp
    const eq = raw.indexOf('=', at)
    if (eq <= at || eq >= end) return refuse(`event field ${JSON.stringify(raw.slice(at, Math.min(end, at + 40)))} is not name=value`)
    const name = raw.slice(at, eq)
    if (fields.has(name)) repeated.add(name)
    else fields.set(name, raw.slice(eq + 1, end))
    at = end + 1
  }
  // The prefix's names inside the event would say a second thing about the
  // lookup; FreeSWITCH only sends them there with use-dynamic-url (unsupported).
  for (const name of [...PREFIX, 'key_value']) if (fields.has(name)) repeated.add(name)
  return { ok: true, body: { hostname, section, tagName, keyName, keyValue, fields: new XmlCurlFields(fields, repeated) } }
}

function refuse(reason: string): BodyParse {
  return { ok: false, reason: `not a mod_xml_curl body: ${reason}` }
}
