import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { directoryFullName, directoryListing } from '../../src/directory/listing.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { at, childrenNamed, isNotFound, nameValues, parseXml, type XmlElement } from '../helpers/xml.js'

// mod_directory's domain lookup (facts §13), as FreeSWITCH 1.10.12 sent it
// to this service in the end-to-end suite (test/e2e/caller-id.e2e.ts:
// directory-populate_database.txt, domain 127.0.0.1): a fresh params event
// (no key, user, domain, action or purpose field), Event-Calling-File
// mod_directory.c, Event-Calling-Function populate_database. Tests change
// only key_value, and the fields a forged request would add.

const D = 'pbx.example.com'
const CAPTURED = fixture('directory-populate_database.txt')

function populateDatabase(domain: string, extra: Record<string, string> = {}): string {
  return rewrite(CAPTURED, { key_value: domain, ...extra })
}

async function seed(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  await insertExtension(db, d, '100', { display_name: 'Alice Smith', sip_password: 'alice-secret-pw', voicemail_pin: '4321' })
  await insertExtension(db, d, '101', { display_name: 'Bob', directory_last_name: 'Jones', directory_exten_visible: false })
  await insertExtension(db, d, '102', { display_name: 'Hidden Person', directory_visible: false })
  await insertExtension(db, d, '103', { display_name: 'Gone Away', enabled: false })
  await insertExtension(db, d, '104')
  await insertExtension(db, d, '105', { display_name: "Zoë O'Brien & Co" })
  const other = await insertDomain(db, 'other.example.com')
  await insertExtension(db, other, '100', { display_name: 'Other Tenant' })
}

function attributeValues(el: XmlElement): string[] {
  return [...Object.values(el.attrs), ...el.children.flatMap(attributeValues)]
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const app = await buildApp(t, database)
  const lookup = async (body: string) => {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.equal(res.statusCode, 200)
    return parseXml(res.body)
  }
  t.beforeEach(() => seed(db))

  t.test('every visible extension of the tenant, in a group, with the params and name variables mod_directory reads', async (t) => {
    const doc = await lookup(populateDatabase(D))
    t.equal(at(doc, 'section')?.attrs.name, 'directory')
    t.equal(at(doc, 'section', 'domain')?.attrs.name, D)
    const group = at(doc, 'section', 'domain', 'groups', 'group')
    t.ok(group, 'users are under <groups><group> (mod_directory walks nothing else)')
    const users = childrenNamed(at(group as XmlElement, 'users') as XmlElement, 'user')
    t.strictSame(users.map((u) => u.attrs.id), ['100', '101', '105'], 'hidden, disabled, nameless and other tenants\' extensions are left out')
    const entry = (id: string) => {
      const user = users.find((u) => u.attrs.id === id) as XmlElement
      return { params: Object.fromEntries(nameValues(at(user, 'params'), 'param')), vars: Object.fromEntries(nameValues(at(user, 'variables'), 'variable')) }
    }
    t.strictSame(entry('100'), {
      params: { 'allow-empty-password': 'false', 'directory-visible': 'true', 'directory-exten-visible': 'true' },
      vars: { directory_full_name: 'Alice Smith', effective_caller_id_name: 'Alice Smith' },
    })
    t.strictSame(entry('101'), {
      params: { 'allow-empty-password': 'false', 'directory-visible': 'true', 'directory-exten-visible': 'false' },
      vars: { directory_full_name: 'Bob Jones', effective_caller_id_name: 'Bob' },
    })
    t.equal(entry('105').vars.directory_full_name, "Zoë O'Brien & Co", 'XML-special names survive escaping')
    const values = attributeValues(doc)
    t.notOk(values.some((v) => v.includes('alice-secret-pw') || v === '4321'), 'no password or PIN')
    t.notOk(values.some((v) => /^[0-9a-f]{32}$/.test(v)), 'no a1-hash')
    t.notOk(values.includes('dial-string'), 'no dial-string')
  })

  t.test('the captured request itself, byte for byte, lists its domain', async (t) => {
    const captured = await insertDomain(db, '127.0.0.1')
    await insertExtension(db, captured, '101', { display_name: 'Ext 101', directory_first_name: 'Bob', directory_last_name: 'Smith' })
    const doc = await lookup(CAPTURED)
    t.equal(at(doc, 'section', 'domain')?.attrs.name, '127.0.0.1')
    const users = childrenNamed(at(doc, 'section', 'domain', 'groups', 'group', 'users') as XmlElement, 'user')
    t.strictSame(users.map((u) => u.attrs.id), ['101'], "that domain's extensions, not another tenant's")
    t.equal(nameValues(at(users[0] as XmlElement, 'variables'), 'variable').get('directory_full_name'), 'Bob Smith')
  })

  t.test('the answer follows the rows', async (t) => {
    await db.updateTable('extensions').set({ directory_visible: false }).where('extension', '=', '100').execute()
    await db.updateTable('extensions').set({ directory_first_name: 'Robert' }).where('extension', '=', '101').execute()
    const doc = await lookup(populateDatabase(D))
    const users = childrenNamed(at(doc, 'section', 'domain', 'groups', 'group', 'users') as XmlElement, 'user')
    t.strictSame(users.map((u) => u.attrs.id), ['101', '105'])
    t.equal(nameValues(at(users[0] as XmlElement, 'variables'), 'variable').get('directory_full_name'), 'Robert Jones')
  })

  t.test('unknown or disabled domains, and lookups that only claim the name, are not found', async (t) => {
    t.ok(isNotFound(await lookup(populateDatabase('nowhere.example.com'))), 'unknown domain')
    await db.updateTable('domains').set({ enabled: false }).where('name', '=', D).execute()
    t.ok(isNotFound(await lookup(populateDatabase(D))), 'disabled domain')
    await db.updateTable('domains').set({ enabled: true }).where('name', '=', D).execute()
    t.notOk(isNotFound(await lookup(populateDatabase(D.toUpperCase()))), 'the domain case-insensitively')
    t.ok(isNotFound(await lookup(populateDatabase(D, { 'Event-Calling-File': 'switch_xml.c' }))), 'not from mod_directory.c')
    t.ok(isNotFound(await lookup(populateDatabase(D, { action: 'sip_auth' }))), 'with an action')
    t.ok(isNotFound(await lookup(populateDatabase(D, { user: '100' }))), 'with a user')
    t.ok(isNotFound(await lookup(populateDatabase(`${D}&x=1`))), 'a key_value that is no domain name')
    t.ok(isNotFound(await lookup(rewrite(populateDatabase(D), { tag_name: 'user' }))), 'not keyed by domain')
  })
})

t.test('directoryFullName: the overrides, each falling back to its part of display_name', async (t) => {
  const name = (display_name: string | null, directory_first_name: string | null = null, directory_last_name: string | null = null) =>
    directoryFullName({ display_name, directory_first_name, directory_last_name })
  t.equal(name('Alice Smith'), 'Alice Smith')
  t.equal(name('Mary Ann Smith', null, 'Jones'), 'Mary Ann Jones', 'first part: everything before the last space')
  t.equal(name('Mary Ann Smith', 'Maria'), 'Maria Smith')
  t.equal(name('J Smith', 'John'), 'John Smith', 'a one-letter first part')
  t.equal(name('Reception', null, 'Desk'), 'Reception Desk', 'no space: the whole name is both parts')
  t.equal(name(null, 'Ann', 'Lee'), 'Ann Lee')
  t.equal(name(null, null, 'Lee'), 'Lee')
  t.equal(name(null), undefined)
  t.equal(name('   '), undefined)
})

t.test('directoryListing: each user complete; nameless extensions left out with a note', async (t) => {
  const row = (extension: string, display_name: string | null, first: string | null = null, last: string | null = null, exten_visible = true) => ({
    extension, display_name, directory_first_name: first, directory_last_name: last, directory_exten_visible: exten_visible,
  })
  t.strictSame(directoryListing([row('100', '  Alice Smith '), row('101', null, 'Ann', 'Lee', false), row('102', null), row('103', ' ')]), {
    users: [
      {
        id: '100',
        params: [['allow-empty-password', 'false'], ['directory-visible', 'true'], ['directory-exten-visible', 'true']],
        variables: [['directory_full_name', 'Alice Smith'], ['effective_caller_id_name', '  Alice Smith ']],
      },
      {
        id: '101',
        params: [['allow-empty-password', 'false'], ['directory-visible', 'true'], ['directory-exten-visible', 'false']],
        variables: [['directory_full_name', 'Ann Lee'], ['effective_caller_id_name', 'Ann Lee']],
      },
    ],
    notes: [
      'extension 102 has no name (display_name or directory_first_name/directory_last_name): not in the directory',
      'extension 103 has no name (display_name or directory_first_name/directory_last_name): not in the directory',
    ],
  })
  t.equal(directoryFullName({ display_name: ' Mary  Smith ', directory_first_name: null, directory_last_name: 'Jones' }), 'Mary  Jones', 'display_name is trimmed before it is split')
  t.equal(directoryFullName({ display_name: null, directory_first_name: '', directory_last_name: 'Lee' }), 'Lee', 'an empty override part is left out')
})
