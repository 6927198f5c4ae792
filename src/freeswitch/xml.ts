import { create } from 'xmlbuilder2'
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js'
import type { FreeswitchDocument } from './document.js'

/**
 * The one place that writes XML for FreeSWITCH. xmlbuilder2 escapes every
 * attribute value (& < > "), so a value can never change the document's
 * structure.
 */
export function renderDocument(doc: FreeswitchDocument): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('document', { type: 'freeswitch/xml' })
  switch (doc.kind) {
    case 'not-found':
      root.ele('section', { name: 'result' }).ele('result', { status: 'not found' })
      break
    case 'domain-list': {
      const section = root.ele('section', { name: 'directory' })
      for (const name of doc.domains) section.ele('domain', { name: checked(name) })
      break
    }
    case 'directory-user': {
      const { user } = doc
      // No `type` attribute on <user>: FreeSWITCH's attribute match treats
      // anything but type="pointer" as matching every name (switch_xml.c:412-466).
      const entry = root
        .ele('section', { name: 'directory' })
        .ele('domain', { name: checked(user.domain) })
        .ele('users')
        .ele('user', { id: checked(user.id) })
      list(entry.ele('params'), 'param', user.params)
      list(entry.ele('variables'), 'variable', user.variables)
      break
    }
  }
  return root.end({ prettyPrint: false })
}

function list(parent: XMLBuilder, tag: string, items: ReadonlyArray<readonly [string, string]>): void {
  for (const [name, value] of items) parent.ele(tag, { name: checked(name), value: checked(value) })
}

export class UnsafeXmlValueError extends Error {
  override name = 'UnsafeXmlValueError'
}

/**
 * FreeSWITCH runs its preprocessor over the raw text of every xml_curl answer
 * before parsing it (switch_xml.c:1726-1782): `$${name}` is replaced by a
 * global variable even inside an escaped attribute. The schema keeps `$` out
 * of every column that reaches the directory; this refuses the document if
 * one slips through anyway, and drops characters XML 1.0 cannot carry.
 */
function checked(value: string): string {
  if (value.includes('$${')) throw new UnsafeXmlValueError('a value contains "$${", which FreeSWITCH would expand')
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
}
