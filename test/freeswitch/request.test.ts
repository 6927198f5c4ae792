import t from 'tap'
import { parseXmlCurlBody } from '../../src/freeswitch/body.js'
import { parseXmlCurlRequest, type XmlCurlRequest } from '../../src/freeswitch/request.js'

/** A body shaped like mod_xml_curl's: prefix raw, then the event's fields. */
function lookup(prefix: { section: string; tag?: string; key?: string; value?: string }, fields: Record<string, string>): XmlCurlRequest {
  const head = `hostname=vm&section=${prefix.section}&tag_name=${prefix.tag ?? ''}&key_name=${prefix.key ?? ''}&key_value=${prefix.value ?? ''}`
  const event = Object.entries({ 'Event-Name': 'REQUEST_PARAMS', ...fields }).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
  const parsed = parseXmlCurlBody([head, ...event].join('&'))
  if (!parsed.ok) throw new Error(parsed.reason)
  return parseXmlCurlRequest(parsed.body)
}

const DOMAIN = { section: 'directory', tag: 'domain', key: 'name', value: 'pbx.example.com' }
const base = { key: 'id', user: '100', domain: 'pbx.example.com' }

t.test('directory requests', async (t) => {
  t.strictSame(lookup(DOMAIN, { ...base, action: 'sip_auth', sip_auth_realm: 'pbx.example.com' }), {
    section: 'directory',
    directory: { kind: 'user', action: 'sip_auth', domain: 'pbx.example.com', user: '100', realm: 'pbx.example.com' },
  })
  t.strictSame(lookup(DOMAIN, { ...base, domain: 'PBX.Example.com' }), {
    section: 'directory',
    directory: { kind: 'user', action: 'user_data', domain: 'pbx.example.com', user: '100', realm: undefined },
  })
  t.strictSame(
    lookup(DOMAIN, { ...base, action: 'user_call', sip_auth_realm: 'ignored' }),
    { section: 'directory', directory: { kind: 'user', action: 'user_call', domain: 'pbx.example.com', user: '100', realm: undefined } },
    'the realm matters only for sip_auth',
  )
  t.strictSame(lookup({ section: 'directory' }, { purpose: 'gateways', profile: 'internal' }), {
    section: 'directory',
    directory: { kind: 'domain-list' },
  })
  const unsupported: Array<[Record<string, string>, string]> = [
    [{ ...base, purpose: 'network-list' }, 'purpose network-list'],
    [{ ...base, action: 'group_call' }, 'action group_call'],
    [{ ...base, key: 'number-alias' }, 'key number-alias'],
    [{ ...base, domain: 'a b' }, 'no valid domain'],
    [{ ...base, user: '100@evil' }, 'user is not an extension number'],
  ]
  for (const [fields, reason] of unsupported) {
    t.strictSame(lookup(DOMAIN, fields), { section: 'directory', directory: { kind: 'unsupported', reason } }, reason)
  }
})

t.test('the user and domain come from the event, never from key_value', async (t) => {
  const request = lookup({ ...DOMAIN, value: 'other.example.com&user=200&domain=other.example.com' }, { ...base, action: 'sip_auth' })
  t.strictSame(request, {
    section: 'directory',
    directory: { kind: 'user', action: 'sip_auth', domain: 'pbx.example.com', user: '100', realm: undefined },
  })
})

t.test('a repeated field that is read refuses the request', async (t) => {
  const head = 'hostname=vm&section=directory&tag_name=domain&key_name=name&key_value=pbx.example.com'
  const parsed = parseXmlCurlBody(`${head}&Event-Name=REQUEST_PARAMS&action=sip_auth&key=id&user=100&domain=pbx.example.com&user=200`)
  if (!parsed.ok) throw new Error(parsed.reason)
  t.strictSame(parseXmlCurlRequest(parsed.body), { section: 'refused', reason: 'field user is repeated' })
})

t.test('a dialplan lookup must have empty key fields', async (t) => {
  const request = lookup({ section: 'dialplan', value: 'x' }, { 'Hunt-Context': 'pbx.example.com', 'Hunt-Destination-Number': '100' })
  t.strictSame(request, { section: 'refused', reason: 'a dialplan lookup with key fields' })
})

t.test('other sections are unsupported', async (t) => {
  t.strictSame(lookup({ section: 'configuration', tag: 'configuration', key: 'name', value: 'acl.conf' }, {}), {
    section: 'unsupported',
    reason: 'section configuration',
  })
  t.strictSame(lookup({ section: '' }, {}), { section: 'unsupported', reason: 'section (none)' })
})
