import { DIRECTORY_GROUP, type DirectoryListingUser } from '../directory/listing.js'
import type { DirectoryUser } from '../directory/user-entry.js'
import type { FreeswitchDocument } from './document.js'

/**
 * The one place that writes XML for FreeSWITCH. Every attribute value is
 * escaped in full (& < > " '), including text that already looks like an
 * entity: "&lt;" in a row reaches FreeSWITCH as "&lt;", not "<".
 *
 * Written as strings rather than through an XML builder: it is on every
 * lookup's path, the documents have a fixed shape, and a builder cost about
 * ten times as much (bench/, `npm run bench:profile`). Only attributes carry
 * data; element names are literals of this file.
 */
export function renderDocument(doc: FreeswitchDocument): string {
  return `${XML_DECLARATION}<document type="freeswitch/xml">${sectionOf(doc)}</document>`
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

function sectionOf(doc: FreeswitchDocument): string {
  switch (doc.kind) {
    case 'not-found':
      return '<section name="result"><result status="not found"/></section>'
    case 'domain-list':
      return element('section', [['name', 'directory']], doc.domains.map((name) => element('domain', [['name', name]])).join(''))
    case 'directory-user': {
      const { user } = doc
      // No `type` attribute on <user>: FreeSWITCH's attribute match treats
      // anything but type="pointer" as matching every name (switch_xml.c:412-466).
      const entry = element('user', [['id', user.id]], paramsAndVariables(user))
      return element('section', [['name', 'directory']], element('domain', [['name', user.domain]], element('users', [], entry)))
    }
    case 'directory-listing': {
      // Only <groups><group><users><user> is walked by mod_directory (facts §13).
      const users = doc.users.map((u) => element('user', [['id', u.id]], paramsAndVariables(u))).join('')
      const group = element('group', [['name', DIRECTORY_GROUP]], element('users', [], users))
      return element('section', [['name', 'directory']], element('domain', [['name', doc.domain]], element('groups', [], group)))
    }
    case 'dialplan': {
      // The condition re-checks the number the service decided for; a
      // regular expression, so it is escaped.
      const actions = doc.actions
        .map(([application, data]) => element('action', data === undefined ? [['application', application]] : [['application', application], ['data', data]]))
        .join('')
      const condition = element('condition', [['field', 'destination_number'], ['expression', `^${escapeRegExp(doc.destination)}$`]], actions)
      const extension = element('extension', [['name', 'followme']], condition)
      return element('section', [['name', 'dialplan']], element('context', [['name', doc.context]], extension))
    }
  }
}

function paramsAndVariables(user: DirectoryUser | DirectoryListingUser): string {
  const params = user.params.map(([name, value]) => element('param', [['name', name], ['value', value]])).join('')
  const variables = user.variables.map(([name, value]) => element('variable', [['name', name], ['value', value]])).join('')
  return element('params', [], params) + element('variables', [], variables)
}

/** `<tag a="v"…>children</tag>`, or `<tag a="v"…/>` with no children. */
function element(tag: string, attrs: ReadonlyArray<readonly [string, string]>, children = ''): string {
  let open = `<${tag}`
  for (const [name, value] of attrs) open += ` ${name}="${escapeAttribute(checked(value))}"`
  return children === '' ? `${open}/>` : `${open}>${children}</${tag}>`
}

const SPECIAL = /[&<>"']/
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

function escapeAttribute(value: string): string {
  return SPECIAL.test(value) ? value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c) : value
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export class UnsafeXmlValueError extends Error {
  override name = 'UnsafeXmlValueError'
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\ufffe\uffff]/g

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
  return value.replace(CONTROL, '')
}
