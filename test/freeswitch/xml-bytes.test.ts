import t from 'tap'
import { renderDocument } from '../../src/freeswitch/xml.js'

// Each document kind byte for byte, written out by hand from the shapes
// FreeSWITCH reads (facts §2-3, §13; switch_xml.c parses the text FreeSWITCH
// receives, so stray text between elements, a missing declaration or an
// attribute on an element that should have none are real differences even
// where a tolerant parser, like the one the other tests use, reads past them).

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<document type="freeswitch/xml">'
const TAIL = '</document>'

t.test('not found', async (t) => {
  t.equal(renderDocument({ kind: 'not-found' }), `${HEAD}<section name="result"><result status="not found"/></section>${TAIL}`)
})

t.test("sofia's domain list: one empty <domain> per name, nothing between them", async (t) => {
  t.equal(
    renderDocument({ kind: 'domain-list', domains: ['a.example.com', 'b.example.com'] }),
    `${HEAD}<section name="directory"><domain name="a.example.com"/><domain name="b.example.com"/></section>${TAIL}`,
  )
  t.equal(renderDocument({ kind: 'domain-list', domains: [] }), `${HEAD}<section name="directory"/>${TAIL}`, 'no domain: an empty section')
})

t.test('a directory user: params then variables, empty lists self-closed', async (t) => {
  const user = {
    domain: 'pbx.example.com',
    id: '100',
    params: [['a1-hash', '0123456789abcdef0123456789abcdef'], ['vm-password', '4321']] as const,
    variables: [['user_context', 'pbx.example.com'], ['effective_caller_id_name', 'Zoë "Z" <O\'Brien> & Co']] as const,
  }
  t.equal(
    renderDocument({ kind: 'directory-user', user }),
    `${HEAD}<section name="directory"><domain name="pbx.example.com"><users><user id="100">` +
      '<params><param name="a1-hash" value="0123456789abcdef0123456789abcdef"/><param name="vm-password" value="4321"/></params>' +
      '<variables><variable name="user_context" value="pbx.example.com"/>' +
      '<variable name="effective_caller_id_name" value="Zoë &quot;Z&quot; &lt;O&apos;Brien&gt; &amp; Co"/></variables>' +
      `</user></users></domain></section>${TAIL}`,
  )
  t.equal(
    renderDocument({ kind: 'directory-user', user: { domain: 'pbx.example.com', id: '100', params: [], variables: [] } }),
    `${HEAD}<section name="directory"><domain name="pbx.example.com"><users><user id="100"><params/><variables/></user></users></domain></section>${TAIL}`,
  )
})

t.test('the dial-by-name listing: users in one group named "directory" under <groups>', async (t) => {
  const u = (id: string, name: string) => ({ id, params: [['directory-visible', 'true']] as const, variables: [['directory_full_name', name]] as const })
  t.equal(
    renderDocument({ kind: 'directory-listing', domain: 'pbx.example.com', users: [u('100', 'Alice Smith'), u('101', 'Bob Jones')] }),
    `${HEAD}<section name="directory"><domain name="pbx.example.com"><groups><group name="directory"><users>` +
      '<user id="100"><params><param name="directory-visible" value="true"/></params><variables><variable name="directory_full_name" value="Alice Smith"/></variables></user>' +
      '<user id="101"><params><param name="directory-visible" value="true"/></params><variables><variable name="directory_full_name" value="Bob Jones"/></variables></user>' +
      `</users></group></groups></domain></section>${TAIL}`,
  )
})

t.test('a dialplan: one extension whose condition re-checks the escaped number; actions with and without data', async (t) => {
  t.equal(
    renderDocument({ kind: 'dialplan', context: 'pbx.example.com', destination: '+1.5*', actions: [['answer', undefined], ['set', 'a=b'], ['bridge', 'user/100@pbx.example.com']] }),
    `${HEAD}<section name="dialplan"><context name="pbx.example.com"><extension name="followme">` +
      '<condition field="destination_number" expression="^\\+1\\.5\\*$">' +
      '<action application="answer"/><action application="set" data="a=b"/><action application="bridge" data="user/100@pbx.example.com"/>' +
      `</condition></extension></context></section>${TAIL}`,
  )
})

t.test('the $${ refusal says why', async (t) => {
  t.throws(() => renderDocument({ kind: 'domain-list', domains: ['$${domain}'] }), {
    name: 'UnsafeXmlValueError',
    message: 'a value contains "$${", which FreeSWITCH would expand',
  })
})
