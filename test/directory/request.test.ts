import t from 'tap'
import { parseDirectoryRequest, type DirectoryKey, type DirectoryRequest } from '../../src/directory/request.js'
import { XmlCurlFields } from '../../src/freeswitch/fields.js'

// The directory lookup's classification, every branch with its exact answer:
// the refusal reasons are what an operator reads in the lookup's log line
// (and explain), so a check that is skipped must change the answer here
// even where the route would end "not found" either way.

const DOMAIN_KEY: DirectoryKey = { tagName: 'domain', keyName: 'name', keyValue: 'pbx.example.com' }

function parse(fields: Record<string, string>, key: DirectoryKey = DOMAIN_KEY): DirectoryRequest {
  return parseDirectoryRequest(new XmlCurlFields(new Map(Object.entries(fields))), key)
}

const refused = (reason: string): DirectoryRequest => ({ kind: 'unsupported', reason })

t.test('user lookups', async (t) => {
  const user = { key: 'id', user: '100', domain: 'pbx.example.com' }
  t.strictSame(parse({ ...user, action: 'sip_auth', sip_auth_realm: 'pbx.example.com' }), {
    kind: 'user', action: 'sip_auth', domain: 'pbx.example.com', user: '100', realm: 'pbx.example.com',
  })
  for (const action of ['user_call', 'message-count', 'voicemail-lookup'] as const) {
    t.strictSame(parse({ ...user, action, sip_auth_realm: 'x' }), { kind: 'user', action, domain: 'pbx.example.com', user: '100', realm: undefined }, action)
  }
  t.strictSame(parse({ ...user, key: '' }), { kind: 'user', action: 'user_data', domain: 'pbx.example.com', user: '100', realm: undefined }, 'an empty key is no key')
  const { key: _key, ...withoutKey } = user
  t.strictSame(parse(withoutKey), { kind: 'user', action: 'user_data', domain: 'pbx.example.com', user: '100', realm: undefined }, 'no key at all')
  t.strictSame(parse({ ...user, domain: 'PBX.Example.COM' }), { kind: 'user', action: 'user_data', domain: 'pbx.example.com', user: '100', realm: undefined })
})

t.test('user lookups refused, each with its reason', async (t) => {
  const user = { key: 'id', user: '100', domain: 'pbx.example.com' }
  t.strictSame(parse({ ...user, action: 'toString' }), refused('action toString'), 'an action named like an Object property')
  t.strictSame(parse({ ...user, action: '__proto__' }), refused('action __proto__'))
  t.strictSame(parse({ ...user, action: 'group_call' }), refused('action group_call'))
  t.strictSame(parse({ ...user, key: 'number-alias' }), refused('key number-alias'))
  t.strictSame(parse({ ...user, key: 'ID' }), refused('key ID'))
  t.strictSame(parse({ ...user, purpose: 'network-list' }), refused('purpose network-list'))
  t.strictSame(parse({ ...user, domain: '' }), refused('no valid domain'), 'no domain')
  t.strictSame(parse({ ...user, domain: 'a b' }), refused('no valid domain'))
  t.strictSame(parse({ ...user, user: '' }), refused('user is not an extension number'), 'no user')
  t.strictSame(parse({ ...user, user: '100@evil' }), refused('user is not an extension number'))
})

t.test("sofia's domain list", async (t) => {
  t.strictSame(parse({ purpose: 'gateways', profile: 'internal' }, { tagName: '', keyName: '', keyValue: '' }), { kind: 'domain-list' })
})

t.test("mod_directory's populate_database lookup", async (t) => {
  const listing = { 'Event-Calling-File': 'mod_directory.c', 'Event-Calling-Function': 'populate_database' }
  t.strictSame(parse(listing), { kind: 'directory-listing', domain: 'pbx.example.com' })
  t.strictSame(parse(listing, { ...DOMAIN_KEY, keyValue: 'PBX.example.com' }), { kind: 'directory-listing', domain: 'pbx.example.com' })
  const refuse = (why: string) => refused(`populate_database lookup ${why}`)
  t.strictSame(parse({ ...listing, 'Event-Calling-File': 'switch_xml.c' }), refuse('not from mod_directory.c'))
  for (const name of ['action', 'purpose', 'user', 'domain', 'key']) {
    t.strictSame(parse({ ...listing, [name]: 'x' }), refuse(`with a ${name} field`), name)
  }
  t.strictSame(parse(listing, { ...DOMAIN_KEY, tagName: 'user' }), refuse('not keyed by domain name'))
  t.strictSame(parse(listing, { ...DOMAIN_KEY, keyName: 'id' }), refuse('not keyed by domain name'))
  t.strictSame(parse(listing, { ...DOMAIN_KEY, keyValue: 'pbx.example.com&user=1' }), refuse('for no valid domain'))
  t.strictSame(parse(listing, { ...DOMAIN_KEY, keyValue: '' }), refuse('for no valid domain'))
  t.strictSame(parse({ 'Event-Calling-Function': 'populate_database_x', user: '100', domain: 'pbx.example.com' }), {
    kind: 'user', action: 'user_data', domain: 'pbx.example.com', user: '100', realm: undefined,
  }, 'only that exact function name is the listing')
})
