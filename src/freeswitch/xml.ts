import { XMLBuilder } from 'fast-xml-parser'
import type { FreeswitchDocument } from './document.js'

/**
 * The one place that writes XML for FreeSWITCH. Every attribute value is
 * escaped in full (& < > " '), including text that already looks like an
 * entity: "&lt;" in a row reaches FreeSWITCH as "&lt;", not "<".
 */
export function renderDocument(doc: FreeswitchDocument): string {
  return XML_DECLARATION + builder.build([element('document', { type: 'freeswitch/xml' }, sectionsOf(doc))])
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  suppressEmptyNode: true,
  processEntities: true,
  format: false,
})

/** fast-xml-parser's ordered form: { tag: children, ':@': attributes }. */
type Node = { [tag: string]: Node[] } & { ':@'?: Record<string, string> }

function element(tag: string, attrs: Record<string, string>, children: Node[] = []): Node {
  const safe: Record<string, string> = {}
  for (const [name, value] of Object.entries(attrs)) safe[name] = checked(value)
  return { [tag]: children, ':@': safe } as Node
}

function sectionsOf(doc: FreeswitchDocument): Node[] {
  switch (doc.kind) {
    case 'not-found':
      return [element('section', { name: 'result' }, [element('result', { status: 'not found' })])]
    case 'domain-list':
      return [element('section', { name: 'directory' }, doc.domains.map((name) => element('domain', { name })))]
    case 'directory-user': {
      const { user } = doc
      // No `type` attribute on <user>: FreeSWITCH's attribute match treats
      // anything but type="pointer" as matching every name (switch_xml.c:412-466).
      const entry = element('user', { id: user.id }, [
        element('params', {}, user.params.map(([name, value]) => element('param', { name, value }))),
        element('variables', {}, user.variables.map(([name, value]) => element('variable', { name, value }))),
      ])
      return [element('section', { name: 'directory' }, [element('domain', { name: user.domain }, [element('users', {}, [entry])])])]
    }
    case 'dialplan': {
      // The condition re-checks the number the service decided for; a
      // regular expression, so it is escaped.
      const condition = element(
        'condition',
        { field: 'destination_number', expression: `^${escapeRegExp(doc.destination)}$` },
        doc.actions.map(([application, data]) => element('action', data === undefined ? { application } : { application, data })),
      )
      const extension = element('extension', { name: 'followme' }, [condition])
      return [element('section', { name: 'dialplan' }, [element('context', { name: doc.context }, [extension])])]
    }
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export class UnsafeXmlValueError extends Error {
  override name = 'UnsafeXmlValueError'
}

/**
 * FreeSWITCH runs its preprocessor over the raw text of every xml_curl answer
 * before parsing it (switch_xml.c:1726-1782): `$${name}` is replaced by a
 * global variable even inside an escaped attribute. The schema keeps `$` out
 * of every column that reaches the directory; this refuses the document if
 * one slips through anyway. Control characters are dropped: XML 1.0 cannot
 * carry most of them, and attribute-value normalisation (FreeSWITCH's
 * switch_xml_decode included) turns tab, CR and LF into spaces.
 */
function checked(value: string): string {
  if (value.includes('$${')) throw new UnsafeXmlValueError('a value contains "$${", which FreeSWITCH would expand')
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\ufffe\uffff]/g, '')
}
