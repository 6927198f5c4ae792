import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// From the package root, where npm runs tests and the benchmark (whose
// compiled copy of this file lives elsewhere).
const FIXTURES = join(process.cwd(), 'test', 'fixtures')

/** A request body FreeSWITCH 1.10.12 sent, byte for byte (see test/fixtures/README.md). */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8')
}

/**
 * Rewrites fields of a captured body, keeping every other byte. Values are
 * encoded the way FreeSWITCH encodes event headers (its unsafe set, spaces as
 * %20), except the first five fields, which it sends raw (mod_xml_curl.c:179).
 * A field that is not in the body is appended, as FreeSWITCH would add it.
 */
export function rewrite(body: string, fields: Readonly<Record<string, string>>): string {
  const parts = body.split('&')
  for (const [name, value] of Object.entries(fields)) {
    const encoded = RAW_PREFIX.has(name) ? value : encodeLikeFreeswitch(value)
    const i = parts.findIndex((p) => p.startsWith(`${name}=`))
    if (i === -1) parts.push(`${name}=${encoded}`)
    else parts[i] = `${name}=${encoded}`
  }
  return parts.join('&')
}

/** Removes fields from a captured body. */
export function without(body: string, ...names: string[]): string {
  return body
    .split('&')
    .filter((p) => !names.some((n) => p.startsWith(`${n}=`)))
    .join('&')
}

const RAW_PREFIX = new Set(['hostname', 'section', 'tag_name', 'key_name', 'key_value'])

// switch_utils.h:47, SWITCH_URL_UNSAFE
const UNSAFE = new Set('\r\n #%&+:;<=>?@[\\]^`{|}"')

function encodeLikeFreeswitch(value: string): string {
  let out = ''
  for (const ch of value) {
    const code = ch.codePointAt(0) as number
    if (UNSAFE.has(ch) || code < 0x20 || code > 0x7e) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
    } else {
      out += ch
    }
  }
  return out
}
