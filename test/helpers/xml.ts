import { XMLParser, XMLValidator } from 'fast-xml-parser'

/**
 * Reads an answer back the way FreeSWITCH walks it: elements and their
 * attributes, nothing inferred. A document that is not well-formed throws.
 */
export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: true,
  htmlEntities: false,
})

export function parseXml(text: string): XmlElement {
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`)
  const nodes = parser.parse(text) as OrderedNode[]
  const elements = nodes.map(toElement).filter((e): e is XmlElement => e !== undefined)
  if (elements.length !== 1) throw new Error(`expected one root element, got ${elements.length}`)
  return elements[0] as XmlElement
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> }

function toElement(node: OrderedNode): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@')
  if (name === undefined || name === '#text' || name.startsWith('?')) return undefined
  const children = (node[name] as OrderedNode[]).map(toElement).filter((e): e is XmlElement => e !== undefined)
  return { name, attrs: { ...(node[':@'] ?? {}) }, children }
}

/** Children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name)
}

/** Follows a path of element names (first match at each step), or undefined. */
export function at(el: XmlElement, ...path: string[]): XmlElement | undefined {
  let current: XmlElement | undefined = el
  for (const step of path) current = current?.children.find((c) => c.name === step)
  return current
}

/** True for the standard not-found document (facts §2). */
export function isNotFound(doc: XmlElement): boolean {
  const result = at(doc, 'section', 'result')
  return doc.name === 'document' && at(doc, 'section')?.attrs.name === 'result' && result?.attrs.status === 'not found'
}

/** name → value of `<param>`/`<variable>` children of `list`. */
export function nameValues(list: XmlElement | undefined, tag: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const el of list ? childrenNamed(list, tag) : []) out.set(el.attrs.name ?? '', el.attrs.value ?? '')
  return out
}
