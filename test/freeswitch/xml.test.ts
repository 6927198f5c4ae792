import fc from 'fast-check'
import t from 'tap'
import { renderDocument } from '../../src/freeswitch/xml.js'
import { at, isNotFound, nameValues, parseXml } from '../helpers/xml.js'

const user = (value: string) => ({
  kind: 'directory-user' as const,
  user: { domain: 'pbx.example.com', id: '100', params: [['p', value] as const], variables: [['v', value] as const] },
})

t.test('the not-found document is the one FreeSWITCH recognises', async (t) => {
  const doc = parseXml(renderDocument({ kind: 'not-found' }))
  t.ok(isNotFound(doc))
  t.strictSame(doc.attrs, { type: 'freeswitch/xml' })
})

t.test('any value round-trips through the XML, minus control characters', async (t) => {
  // fast-check's own assertion: a failure is shrunk to its smallest
  // counterexample, which fc.assert's error reports.
  let checked = 0
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
      fc.pre(!value.includes('$${'))
      const entry = at(parseXml(renderDocument(user(value))), 'section', 'domain', 'users', 'user')
      // eslint-disable-next-line no-control-regex
      const expected = value.replace(/[\u0000-\u001f\u007f\ufffe\uffff]/g, '')
      const read = { param: nameValues(entry && at(entry, 'params'), 'param').get('p'), variable: nameValues(entry && at(entry, 'variables'), 'variable').get('v') }
      if (read.param !== expected || read.variable !== expected) {
        throw new Error(`read back ${JSON.stringify(read)}, expected ${JSON.stringify(expected)}`)
      }
      checked++
    }),
    { numRuns: 300 },
  )
  t.ok(checked >= 250, `${checked} values round-tripped`)
  for (const tricky of ['"/><user id="evil', "a'b", 'x&amp;y', '<![CDATA[x]]>', 'Zoë & Co']) {
    const doc = parseXml(renderDocument(user(tricky)))
    t.equal(nameValues(at(doc, 'section', 'domain', 'users', 'user', 'params'), 'param').get('p'), tricky, tricky)
  }
})

t.test('$${ never reaches FreeSWITCH, whose preprocessor would expand it', async (t) => {
  t.throws(() => renderDocument(user('x$${hostname}')), { name: 'UnsafeXmlValueError' })
  t.throws(() => renderDocument({ kind: 'domain-list', domains: ['$${domain}'] }), { name: 'UnsafeXmlValueError' })
  t.doesNotThrow(() => renderDocument(user('${dialed_user}')), 'a single $ is FreeSWITCH channel-variable syntax')
})
