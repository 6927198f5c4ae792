import { parseDialplanRequest, type DialplanRequest } from '../dialplan/request.js'
import { parseDirectoryRequest, type DirectoryRequest } from '../directory/request.js'
import type { XmlCurlBody } from './body.js'
import { RepeatedFieldError } from './fields.js'

/**
 * One mod_xml_curl lookup, narrowed at the edge: nothing past this point
 * sees the raw body. The section comes from the body's prefix, by position
 * (body.ts): no field of the event, and nothing a phone put in key_value,
 * can turn a directory lookup into a dialplan one.
 */
export type XmlCurlRequest =
  | { section: 'directory'; directory: DirectoryRequest }
  | { section: 'dialplan'; dialplan: DialplanRequest }
  | { section: 'unsupported'; reason: string }
  /** Not what FreeSWITCH sends (a forged or repeated field): answered "not found", logged as a warning. */
  | { section: 'refused'; reason: string }

export function parseXmlCurlRequest(body: XmlCurlBody): XmlCurlRequest {
  try {
    switch (body.section) {
      case 'directory':
        return { section: 'directory', directory: parseDirectoryRequest(body.fields, body) }
      case 'dialplan':
        // dialplan_xml_locate asks with empty key fields (facts §4).
        if (body.tagName !== '' || body.keyName !== '' || body.keyValue !== '') {
          return { section: 'refused', reason: 'a dialplan lookup with key fields' }
        }
        return { section: 'dialplan', dialplan: parseDialplanRequest(body.fields) }
      default:
        // configuration, languages, chatplan and channels stay with
        // FreeSWITCH's static XML.
        return { section: 'unsupported', reason: `section ${body.section || '(none)'}` }
    }
  } catch (err) {
    if (err instanceof RepeatedFieldError) return { section: 'refused', reason: err.message }
    throw err
  }
}
