import t from 'tap'
import { answerDirectory } from '../../src/directory/answer.js'
import type { LookupAnswer } from '../../src/freeswitch/document.js'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'

// What each directory lookup answers besides its XML: the decision and the
// notes of its log line (what an operator reads to learn why a phone got
// "not found"), and whether the answer may be kept in the lookup cache
// (every directory answer may: none writes).

/** The answer without its document, plus the document's kind. */
function summary(answer: LookupAnswer) {
  return { kind: answer.document.kind, decision: answer.decision, notes: answer.notes, cacheable: answer.cacheable }
}

eachDatabase(t, async (t, database) => {
  t.beforeEach(async () => {
    const d = await insertDomain(database.db, 'pbx.example.com')
    await insertExtension(database.db, d, '100', { display_name: 'Alice Smith' })
    await insertExtension(database.db, d, '101')
    await insertExtension(database.db, d, '102', { display_name: 'Off', enabled: false })
    await insertDomain(database.db, 'off.example.com', false)
  })

  t.test('a user', async (t) => {
    const answer = await answerDirectory(database, { kind: 'user', action: 'sip_auth', domain: 'pbx.example.com', user: '100', realm: 'pbx.example.com' })
    t.strictSame(summary(answer), { kind: 'directory-user', decision: 'user', notes: [], cacheable: true })
  })

  t.test('no such user: not found, saying why', async (t) => {
    const expected = { kind: 'not-found', decision: 'not-found', notes: ['no enabled extension of an enabled domain'], cacheable: true }
    for (const [domain, user] of [['pbx.example.com', '199'], ['pbx.example.com', '102'], ['off.example.com', '100']] as const) {
      t.strictSame(summary(await answerDirectory(database, { kind: 'user', action: 'user_data', domain, user, realm: undefined })), expected, `${user}@${domain}`)
    }
  })

  t.test("sofia's domain list: the enabled domains", async (t) => {
    const answer = await answerDirectory(database, { kind: 'domain-list' })
    t.strictSame(answer, { document: { kind: 'domain-list', domains: ['pbx.example.com'] }, decision: 'domain-list', notes: [], cacheable: true })
  })

  t.test('the dial-by-name listing: its size in the decision, a note for each nameless extension', async (t) => {
    const answer = await answerDirectory(database, { kind: 'directory-listing', domain: 'pbx.example.com' })
    t.strictSame(summary(answer), {
      kind: 'directory-listing',
      decision: 'directory-listing 1',
      notes: ['extension 101 has no name (display_name or directory_first_name/directory_last_name): not in the directory'],
      cacheable: true,
    })
    t.strictSame(summary(await answerDirectory(database, { kind: 'directory-listing', domain: 'off.example.com' })), {
      kind: 'not-found', decision: 'not-found', notes: ['no enabled domain off.example.com'], cacheable: true,
    })
  })

  t.test('an unsupported lookup: not found, with its reason as the note', async (t) => {
    t.strictSame(await answerDirectory(database, { kind: 'unsupported', reason: 'key number-alias' }), {
      document: { kind: 'not-found' }, decision: 'not-found', notes: ['key number-alias'], cacheable: true,
    })
  })
})
