import fc from 'fast-check'
import t from 'tap'
import { parseXmlCurlBody, type XmlCurlBody } from '../../src/freeswitch/body.js'
import { fixture, rewrite } from '../helpers/fixtures.js'

const REGISTER = fixture('directory-sip_auth-register.txt')

function parsed(raw: string): XmlCurlBody {
  const result = parseXmlCurlBody(raw)
  if (!result.ok) throw new Error(`refused: ${result.reason}`)
  return result.body
}

t.test('a captured REGISTER: the prefix by position, the event decoded', async (t) => {
  const body = parsed(REGISTER)
  t.equal(body.hostname, 'vm')
  t.equal(body.section, 'directory')
  t.equal(body.tagName, 'domain')
  t.equal(body.keyName, 'name')
  t.equal(body.keyValue, '127.0.0.1')
  t.equal(body.fields.get('Event-Name'), 'REQUEST_PARAMS')
  t.equal(body.fields.get('action'), 'sip_auth')
  t.equal(body.fields.get('user'), '1000')
  t.equal(body.fields.get('sip_auth_uri'), 'sip:127.0.0.1:5060', '%3A decoded')
  t.equal(body.fields.get('FreeSWITCH-IPv6'), 'fd00::2')
  t.equal(body.fields.get('Event-Date-GMT'), 'Mon, 23 Nov 2026 18:28:56 GMT', '%20 decoded, raw commas kept')
  t.equal(body.fields.get('missing'), undefined)
})

t.test('a configuration lookup with no event at all (acl.conf at start-up)', async (t) => {
  const body = parsed(fixture('configuration-acl.conf.txt'))
  t.equal(body.section, 'configuration')
  t.equal(body.keyValue, 'acl.conf')
  t.equal(body.fields.get('Event-Name'), undefined)
})

t.test('a dialplan lookup has empty key fields', async (t) => {
  const body = parsed(fixture('dialplan-invite-extension.txt'))
  t.equal(body.section, 'dialplan')
  t.equal(body.keyValue, '')
  t.equal(body.fields.get('Unique-ID'), '0e997291-7756-488d-956f-38539fc596e5')
})

// issue 8: a realm that carries form fields
const ATTACK =
  'pbx-b.example.com&section=dialplan&Hunt-Context=pbx-b.example.com&Hunt-Destination-Number=*21' +
  '&variable_sip_authorized=true&variable_user_name=200&variable_domain_name=pbx-b.example.com'

t.test('a crafted realm stays data: no field of it is read', async (t) => {
  // What FreeSWITCH sends for that realm: raw in key_value, encoded in the event.
  const raw = rewrite(REGISTER, { key_value: ATTACK, sip_auth_realm: ATTACK, domain: ATTACK })
  const body = parsed(raw)
  t.equal(body.section, 'directory')
  t.equal(body.keyValue, ATTACK)
  t.equal(body.fields.get('domain'), ATTACK, 'the event says the same, encoded')
  t.equal(body.fields.get('Hunt-Destination-Number'), undefined)
  t.equal(body.fields.get('variable_sip_authorized'), undefined)
})

t.test('a realm carrying its own Event-Name does not move the event', async (t) => {
  const kv = 'x&Event-Name=REQUEST_PARAMS&user=200&domain=pbx-b.example.com&section=dialplan'
  const body = parsed(rewrite(REGISTER, { key_value: kv }))
  t.equal(body.keyValue, kv)
  t.equal(body.fields.get('user'), '1000')
  t.equal(body.fields.get('domain'), '127.0.0.1')
})

t.test('a repeated event field refuses whoever reads it', async (t) => {
  const body = parsed(`${REGISTER}&user=200`)
  t.throws(() => body.fields.get('user'), { name: 'RepeatedFieldError', field: 'user' })
  t.equal(body.fields.get('domain'), '127.0.0.1', 'other fields are still readable')
  const prefixAgain = parsed(`${REGISTER}&section=dialplan`)
  t.throws(() => prefixAgain.fields.get('section'), { name: 'RepeatedFieldError' }, 'a prefix name inside the event')
})

t.test('bodies without FreeSWITCH shape are refused, saying why', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['', /does not start with hostname=/],
    ['section=directory&tag_name=domain&key_name=name&key_value=x&Event-Name=REQUEST_PARAMS', /does not start with hostname=/],
    ['hostname=vm&section=directory&key_name=name&key_value=x&Event-Name=A', /tag_name is missing/],
    ['hostname=vm&section=directory&tag_name=domain&key_name=name&key_value=x&Event-Name=A&broken', /"broken" is not name=value/],
    ['hostname=vm&section=directory&tag_name=domain&key_name=name&key_value=x&Event-Name=A&=v', /is not name=value/],
  ]
  for (const [raw, reason] of cases) {
    const result = parseXmlCurlBody(raw)
    t.equal(result.ok, false, raw)
    if (!result.ok) t.match(result.reason, reason)
  }
})

t.test('malformed percent escapes decode leniently, never throw', async (t) => {
  const body = parsed(rewrite(REGISTER, {}) + '&sip_user_agent2=%FF%E2%28%A1&x=%zz&y=100%')
  t.equal(body.fields.get('sip_user_agent2'), '\ufffd\ufffd(\ufffd')
  t.equal(body.fields.get('x'), '%zz')
  t.equal(body.fields.get('y'), '100%')
})

t.test('property: whatever key_value holds, the prefix and the event are the genuine ones', async () => {
  const pieces = fc.constantFrom('&', '=', '%', '%26', '&Event-Name=', '&section=dialplan', '&user=200', '&domain=evil', 'key_value=', '+', ' ')
  const keyValue = fc.array(fc.oneof(fc.string({ unit: 'binary' }), pieces), { maxLength: 12 }).map((parts) => parts.join(''))
  fc.assert(
    fc.property(keyValue, (kv) => {
      const body = parsed(rewrite(REGISTER, { key_value: kv }))
      return (
        body.section === 'directory' &&
        body.tagName === 'domain' &&
        body.keyName === 'name' &&
        body.keyValue === kv &&
        body.fields.get('action') === 'sip_auth' &&
        body.fields.get('user') === '1000' &&
        body.fields.get('domain') === '127.0.0.1'
      )
    }),
    { numRuns: 2000 },
  )
})
