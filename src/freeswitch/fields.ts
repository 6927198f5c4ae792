/**
 * The form fields mod_xml_curl posts, as @fastify/formbody decodes them: a
 * name seen twice arrives as an array.
 *
 * FreeSWITCH writes the first five fields (hostname, section, tag_name,
 * key_name, key_value) without URL-encoding them (mod_xml_curl.c:179-180), so
 * a raw `&` in key_value (a SIP realm, say) can inject a field that repeats a
 * later one. Event headers are unique and encoded (switch_event.c:773-775,
 * 2598-2624), and always come after that prefix, so the LAST value of a
 * repeated name is the genuine one.
 */
export type FormBody = Readonly<Record<string, string | readonly string[] | undefined>>

export class XmlCurlFields {
  constructor(private readonly body: FormBody) {}

  /** The field's value (the last one when repeated); undefined when absent or empty. */
  get(name: string): string | undefined {
    const value = this.body[name]
    const last = typeof value === 'string' ? value : value?.[value.length - 1]
    return last === undefined || last === '' ? undefined : last
  }
}

export function isFormBody(body: unknown): body is FormBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  return Object.values(body).every(
    (v) => typeof v === 'string' || (Array.isArray(v) && v.every((item) => typeof item === 'string')),
  )
}
