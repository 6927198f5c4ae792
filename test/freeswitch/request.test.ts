import t from 'tap'
import { XmlCurlFields, isFormBody } from '../../src/freeswitch/fields.js'
import { parseXmlCurlRequest } from '../../src/freeswitch/request.js'

const base = { section: 'directory', key: 'id', user: '100', domain: 'pbx.example.com' }

t.test('the last of a repeated field wins; empty counts as absent', async (t) => {
  const fields = new XmlCurlFields({ user: ['666', '100'], domain: '', key: 'id' })
  t.equal(fields.get('user'), '100')
  t.equal(fields.get('domain'), undefined)
  t.equal(fields.get('missing'), undefined)
})

t.test('isFormBody accepts strings and string arrays only', async (t) => {
  t.ok(isFormBody({ a: 'x', b: ['y', 'z'] }))
  t.notOk(isFormBody('a=b'))
  t.notOk(isFormBody(null))
  t.notOk(isFormBody(['a']))
  t.notOk(isFormBody({ a: 1 }))
  t.notOk(isFormBody({ a: ['x', 2] }))
})

t.test('directory requests', async (t) => {
  t.same(parseXmlCurlRequest({ ...base, action: 'sip_auth', sip_auth_realm: 'pbx.example.com' }), {
    section: 'directory',
    directory: { kind: 'user', action: 'sip_auth', domain: 'pbx.example.com', user: '100', realm: 'pbx.example.com' },
  })
  t.same(parseXmlCurlRequest({ ...base, domain: 'PBX.Example.com' }), {
    section: 'directory',
    directory: { kind: 'user', action: 'user_data', domain: 'pbx.example.com', user: '100', realm: undefined },
  })
  t.same(
    parseXmlCurlRequest({ ...base, action: 'user_call', sip_auth_realm: 'ignored' }).section === 'directory' &&
      parseXmlCurlRequest({ ...base, action: 'user_call', sip_auth_realm: 'ignored' }),
    { section: 'directory', directory: { kind: 'user', action: 'user_call', domain: 'pbx.example.com', user: '100', realm: undefined } },
    'the realm matters only for sip_auth',
  )
  t.same(parseXmlCurlRequest({ section: 'directory', purpose: 'gateways', profile: 'internal' }), {
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
  for (const [body, reason] of unsupported) {
    t.same(parseXmlCurlRequest(body), { section: 'directory', directory: { kind: 'unsupported', reason } }, reason)
  }
})

t.test('other sections are unsupported', async (t) => {
  t.same(parseXmlCurlRequest({ section: 'configuration' }), { section: 'unsupported', reason: 'section configuration' })
  t.same(parseXmlCurlRequest({}), { section: 'unsupported', reason: 'section (none)' })
})
