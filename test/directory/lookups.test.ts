import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite, without } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { at, childrenNamed, isNotFound, nameValues, parseXml, type XmlElement } from '../helpers/xml.js'

// The directory section driven by the request bodies FreeSWITCH 1.10.12 really
// sent (test/fixtures), answers parsed back as XML. Expected digests are
// literals computed outside this code base (md5sum).

const A1_1000_AT_127_0_0_1_PW_1234 = 'e2f582b9dc317e63b6fe82419883aac5' // from the issue; FreeSWITCH accepted it
const A1_1000_AT_SIP_EXAMPLE_COM_PW_1234 = 'f1b0ad6d966ec776238ff6b0882736c9'
const A1_1000_AT_OTHER_PW_OTHER = '9059d4dab1dbb3fc9edc02c3e08201a5'
const A1_1000_AT_127_0_0_1_PW_CHANGED = 'e27d6244640e87e63f073578931b43c6'
// What FreeSWITCH 1.10.12 bridged user/X with (fixtures README, "hand-written answers").
const VANILLA_DIAL_STRING =
  '{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}'

async function seed(db: Kysely<DB>): Promise<void> {
  const local = await insertDomain(db, '127.0.0.1')
  // 1000's caller ID number is no DID of the tenant (migrations/0007).
  await db.updateTable('domains').set({ outbound_caller_id_any_number: true }).where('id', '=', local).execute()
  await insertExtension(db, local, '1000', {
    sip_password: '1234',
    display_name: "Zoë O'Brien & Sales",
    outbound_caller_id_name: 'Acme, Inc.',
    outbound_caller_id_number: '+15551230000',
    ring_timeout_s: 25,
    voicemail_pin: '4321',
    toll_allow: ['local', 'domestic'],
  })
  await insertExtension(db, local, '1001', { sip_password: 'another secret', voicemail_enabled: false })
  await insertExtension(db, local, '1002', { enabled: false })
  const other = await insertDomain(db, 'other.example.com')
  await insertExtension(db, other, '1000', { sip_password: 's3cret-other' })
  const off = await insertDomain(db, 'off.example.com', false)
  await insertExtension(db, off, '1000', { sip_password: 'whatever' })
}

function attributeValues(el: XmlElement): string[] {
  return [...Object.values(el.attrs), ...el.children.flatMap(attributeValues)]
}

function userOf(doc: XmlElement): XmlElement | undefined {
  return at(doc, 'section', 'domain', 'users', 'user')
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const app = await buildApp(t, database)
  const lookup = async (body: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/freeswitch',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'freeswitch-xml/1.0' },
      payload: body,
    })
    t.equal(res.statusCode, 200, 'answers 200')
    t.match(res.headers['content-type'], /^text\/xml/)
    return parseXml(res.body)
  }
  t.beforeEach(() => seed(db))

  t.test('sip_auth for REGISTER: the a1-hash, never the password', async (t) => {
    const doc = await lookup(fixture('directory-sip_auth-register.txt'))
    t.equal(at(doc, 'section')?.attrs.name, 'directory')
    t.equal(at(doc, 'section', 'domain')?.attrs.name, '127.0.0.1')
    const user = userOf(doc) as XmlElement
    t.strictSame(user.attrs, { id: '1000' }, 'only an id: no type attribute, which would match any user')
    const params = nameValues(at(user, 'params'), 'param')
    t.equal(params.get('a1-hash'), A1_1000_AT_127_0_0_1_PW_1234)
    t.equal(params.get('allow-empty-password'), 'false')
    t.notOk(params.has('password'), 'no plaintext password param')
    t.notOk(attributeValues(doc).includes('1234'), 'the password is no value anywhere in the answer')
    const vars = nameValues(at(user, 'variables'), 'variable')
    t.strictSame(Object.fromEntries(vars), {
      user_context: '127.0.0.1',
      effective_caller_id_name: "Zoë O'Brien & Sales",
      effective_caller_id_number: '1000',
      outbound_caller_id_name: 'Acme, Inc.',
      outbound_caller_id_number: '+15551230000',
      toll_allow: 'local,domestic',
      call_timeout: '25',
    })
  })

  t.test("the tenant's default caller ID for an extension without its own (migrations/0007)", async (t) => {
    await db.updateTable('domains').set({ outbound_caller_id_any_number: true, outbound_caller_id_name: 'Other Co', outbound_caller_id_number: '+15559990000' }).where('name', '=', 'other.example.com').execute()
    const register = fixture('directory-sip_auth-register.txt')
    const doc = await lookup(rewrite(register, { key_value: 'other.example.com', domain: 'other.example.com', sip_auth_realm: 'other.example.com' }))
    const vars = nameValues(at(userOf(doc) as XmlElement, 'variables'), 'variable')
    t.strictSame([vars.get('outbound_caller_id_name'), vars.get('outbound_caller_id_number')], ['Other Co', '+15559990000'])
    t.strictSame([vars.get('effective_caller_id_name'), vars.get('effective_caller_id_number')], ['1000', '1000'], 'inside, the extension as before')
  })

  t.test('sip_auth for a challenged INVITE', async (t) => {
    const doc = await lookup(fixture('directory-sip_auth-invite.txt'))
    t.equal(nameValues(at(userOf(doc) as XmlElement, 'params'), 'param').get('a1-hash'), A1_1000_AT_127_0_0_1_PW_1234)
  })

  t.test('the hash uses the realm FreeSWITCH challenged with', async (t) => {
    const body = rewrite(fixture('directory-sip_auth-register.txt'), { sip_auth_realm: 'sip.example.com' })
    const doc = await lookup(body)
    t.equal(nameValues(at(userOf(doc) as XmlElement, 'params'), 'param').get('a1-hash'), A1_1000_AT_SIP_EXAMPLE_COM_PW_1234)
  })

  t.test('each tenant has its own users; unknown and disabled ones are not found', async (t) => {
    const register = fixture('directory-sip_auth-register.txt')
    const other = await lookup(rewrite(register, { key_value: 'other.example.com', domain: 'other.example.com', sip_auth_realm: 'other.example.com' }))
    t.equal(nameValues(at(userOf(other) as XmlElement, 'params'), 'param').get('a1-hash'), A1_1000_AT_OTHER_PW_OTHER)

    const cases: Array<[string, Record<string, string>]> = [
      ['unknown domain, although 1000 exists elsewhere', { key_value: 'nowhere.example.com', domain: 'nowhere.example.com' }],
      ['disabled domain', { key_value: 'off.example.com', domain: 'off.example.com' }],
      ['unknown user', { user: '1009', sip_auth_username: '1009' }],
      ['disabled extension', { user: '1002', sip_auth_username: '1002' }],
      ['user that is not an extension number', { user: 'fm1000' }],
      ['domain that is not a hostname', { domain: '127.0.0.1,other.example.com' }],
    ]
    for (const [what, fields] of cases) t.ok(isNotFound(await lookup(rewrite(register, fields))), what)
    t.ok(isNotFound(await lookup(without(register, 'user'))), 'no user field')
    t.ok(isNotFound(await lookup(without(register, 'domain'))), 'no domain field')
  })

  t.test('domains match case-insensitively', async (t) => {
    const body = rewrite(fixture('directory-sip_auth-register.txt'), {
      key_value: 'OTHER.Example.COM',
      domain: 'OTHER.Example.COM',
      sip_auth_realm: 'other.example.com',
    })
    const doc = await lookup(body)
    t.equal(at(doc, 'section', 'domain')?.attrs.name, 'other.example.com')
    t.equal(nameValues(at(userOf(doc) as XmlElement, 'params'), 'param').get('a1-hash'), A1_1000_AT_OTHER_PW_OTHER)
  })

  t.test('a raw & in key_value cannot swap the user', async (t) => {
    // FreeSWITCH does not encode key_value (mod_xml_curl.c:179), so a realm
    // with '&' can smuggle a field in before the genuine event headers.
    const body = rewrite(fixture('directory-sip_auth-register.txt'), { key_value: '127.0.0.1&user=1001&domain=other.example.com' })
    const doc = await lookup(body)
    t.equal(userOf(doc)?.attrs.id, '1000')
    t.equal(at(doc, 'section', 'domain')?.attrs.name, '127.0.0.1')
  })

  t.test('user_call: a dial-string that rings every registration', async (t) => {
    for (const name of ['directory-user_call.txt', 'directory-user_call-originate-api.txt', 'directory-user_call-bridge-leg-vars.txt']) {
      const body = rewrite(fixture(name), { user: '1000' })
      const doc = await lookup(body)
      const params = nameValues(at(userOf(doc) as XmlElement, 'params'), 'param')
      t.equal(params.get('dial-string'), VANILLA_DIAL_STRING, name)
      t.equal(nameValues(at(userOf(doc) as XmlElement, 'variables'), 'variable').get('user_context'), '127.0.0.1', name)
    }
  })

  t.test('user_exists and user_data (no action) find the user', async (t) => {
    for (const name of [
      'directory-user_exists-api.txt',
      'directory-user_data-var-api.txt',
      'directory-user_data-param-api.txt',
      'directory-user_data-var-from-vanilla-dialplan.txt',
    ]) {
      const doc = await lookup(rewrite(fixture(name), { user: '1000' }))
      t.equal(userOf(doc)?.attrs.id, '1000', name)
    }
  })

  t.test('voicemail lookups carry the voicemail params', async (t) => {
    // No captured body: built from the user_exists capture plus the fields
    // mod_voicemail adds (facts §3; mod_voicemail.c:1392, 2456-2463).
    const base = fixture('directory-user_exists-api.txt')
    const count = await lookup(rewrite(base, { action: 'message-count' }))
    const countParams = nameValues(at(userOf(count) as XmlElement, 'params'), 'param')
    t.equal(countParams.get('vm-enabled'), 'true')
    t.equal(countParams.get('vm-password'), '4321')

    const vmLookup = rewrite(base, { action: 'voicemail-lookup', destination_number: '*98', caller_id_number: '1000' })
    const params = nameValues(at(userOf(await lookup(vmLookup)) as XmlElement, 'params'), 'param')
    t.equal(params.get('vm-password'), '4321')
    t.equal(params.get('a1-hash'), A1_1000_AT_127_0_0_1_PW_1234, 'the SIP password hash with realm = domain, as mod_voicemail checks it')

    const disabled = await lookup(rewrite(vmLookup, { user: '1001' }))
    const disabledParams = nameValues(at(userOf(disabled) as XmlElement, 'params'), 'param')
    t.equal(disabledParams.get('vm-enabled'), 'false')
    t.notOk(disabledParams.has('vm-password'))

    t.ok(isNotFound(await lookup(rewrite(base, { action: 'message-count', key: 'number-alias' }))), 'no number aliases')
  })

  t.test('purpose=gateways lists the enabled domains', async (t) => {
    for (const name of ['directory-gateways-startup-profile-internal.txt', 'directory-gateways-startup-profile-external.txt']) {
      const doc = await lookup(fixture(name))
      const section = at(doc, 'section') as XmlElement
      t.equal(section.attrs.name, 'directory')
      t.strictSame(childrenNamed(section, 'domain').map((d) => d.attrs.name), ['127.0.0.1', 'other.example.com'], name)
    }
  })

  t.test('lookups the service does not own are not found', async (t) => {
    for (const name of [
      'directory-network-list-startup.txt',
      'directory-group_call.txt',
      'configuration-sofia.conf.txt',
      'configuration-acl.conf.txt',
    ]) {
      t.ok(isNotFound(await lookup(fixture(name))), name)
    }
    const register = fixture('directory-sip_auth-register.txt')
    for (const action of ['reverse-auth-lookup', 'skinny-auth', 'event_socket_auth', 'jsonrpc-authenticate']) {
      t.ok(isNotFound(await lookup(rewrite(register, { action }))), action)
    }
    t.ok(isNotFound(await lookup(rewrite(register, { section: 'languages' }))), 'languages section')
    t.ok(isNotFound(await lookup('')), 'empty body')
  })

  t.test('answers follow the rows at lookup time', async (t) => {
    const register = fixture('directory-sip_auth-register.txt')
    const before = await lookup(register)
    t.equal(nameValues(at(userOf(before) as XmlElement, 'params'), 'param').get('a1-hash'), A1_1000_AT_127_0_0_1_PW_1234)
    await db.updateTable('extensions').set({ sip_password: 'changed-pass' }).where('extension', '=', '1000').execute()
    const after = await lookup(register)
    t.equal(nameValues(at(userOf(after) as XmlElement, 'params'), 'param').get('a1-hash'), A1_1000_AT_127_0_0_1_PW_CHANGED)
    await db.updateTable('domains').set({ enabled: false }).where('name', '=', '127.0.0.1').execute()
    t.ok(isNotFound(await lookup(register)), 'disabling the domain takes effect on the next lookup')
  })
})
