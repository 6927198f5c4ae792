import { parseDialplanRequest, type DialplanRequest } from '../dialplan/request.js'
import { parseDirectoryRequest, type DirectoryRequest } from '../directory/request.js'
import { XmlCurlFields, type FormBody } from './fields.js'

/**
 * One mod_xml_curl lookup, narrowed at the edge: nothing past this point
 * sees the raw form.
 */
export type XmlCurlRequest =
  | { section: 'directory'; directory: DirectoryRequest }
  | { section: 'dialplan'; dialplan: DialplanRequest }
  | { section: 'unsupported'; reason: string }

export function parseXmlCurlRequest(body: FormBody): XmlCurlRequest {
  const fields = new XmlCurlFields(body)
  const section = fields.get('section')
  switch (section) {
    case 'directory':
      return { section, directory: parseDirectoryRequest(fields) }
    case 'dialplan':
      return { section, dialplan: parseDialplanRequest(fields) }
    default:
      // configuration, languages, chatplan and channels stay with
      // FreeSWITCH's static XML.
      return { section: 'unsupported', reason: `section ${section ?? '(none)'}` }
  }
}
