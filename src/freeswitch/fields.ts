/**
 * The lookup event's headers (freeswitch/body.ts), decoded when read
 * (FreeSWITCH percent-encodes them; a malformed escape decodes leniently,
 * querystring.unescape, never throws). A header a
 * lookup event carries once is genuine; one that came twice was forged
 * (FreeSWITCH's lookup events have unique headers, switch_event.c:773-775),
 * so reading it refuses the whole request instead of guessing which to trust.
 */
export class RepeatedFieldError extends Error {
  override name = 'RepeatedFieldError'
  constructor(readonly field: string) {
    super(`field ${field} is repeated`)
  }
}

import { unescape as urlDecode } from 'node:querystring'

export class XmlCurlFields {
  constructor(
    /** name → value as sent (percent-encoded). */
    private readonly values: ReadonlyMap<string, string>,
    private readonly repeated: ReadonlySet<string> = new Set(),
  ) {}

  /** The field's value; undefined when absent or empty. Throws RepeatedFieldError when it came twice. */
  get(name: string): string | undefined {
    if (this.repeated.has(name)) throw new RepeatedFieldError(name)
    const value = this.values.get(name)
    if (value === undefined || value === '') return undefined
    return value.includes('%') ? urlDecode(value) : value
  }
}
