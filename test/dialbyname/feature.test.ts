import t, { type Test } from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dialplanOf, type DialplanAnswer } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { parseXml } from '../helpers/xml.js'

// The directory feature code through the real route on both databases.

const D = 'pbx.example.com'

eachDatabase(t, async (t, database) => {
  const { db } = database
  const answerWith = async (t: Test, config: Parameters<typeof buildApp>[2], body: string): Promise<DialplanAnswer> => {
    const app = await buildApp(t, database, config)
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    t.equal(res.statusCode, 200)
    return dialplanOf(parseXml(res.body))
  }
  t.beforeEach(async () => {
    const d = await insertDomain(db, D)
    await insertExtension(db, d, '100', { display_name: 'Alice' })
  })

  t.test('*411 runs mod_directory over the caller\'s tenant, with the voicemail profile of the recorded names', async (t) => {
    const answer = await answerWith(t, {}, callRequest({ context: D, from: '100', to: '*411' }))
    t.equal(answer.context, D)
    t.strictSame(answer.actions, [
      ['answer', undefined],
      ['sleep', '500'],
      ['set', 'directory_voicemail_profile=default'],
      ['directory', `default ${D}`],
    ])
  })

  t.test('only an authenticated extension may use it', async (t) => {
    const answer = await answerWith(t, {}, callRequest({ context: D, to: '*411' }))
    t.strictSame(answer.actions, [['hangup', 'CALL_REJECTED']])
  })

  t.test('the code and the profiles are configurable', async (t) => {
    const config = loadConfig({ FEATURE_CODE_DIRECTORY: '*9', DIRECTORY_PROFILE: 'staff', VOICEMAIL_PROFILE: 'vm2' })
    const answer = await answerWith(t, config, callRequest({ context: D, from: '100', to: '*9' }))
    t.strictSame(answer.actions.slice(2), [['set', 'directory_voicemail_profile=vm2'], ['directory', `staff ${D}`]])
    const old = await answerWith(t, config, callRequest({ context: D, from: '100', to: '*411' }))
    t.strictSame(old.actions, [['hangup', 'UNALLOCATED_NUMBER']], '*411 is no code any more')
  })
})

t.test('a directory code that clashes with another feature code is refused at start', async (t) => {
  t.throws(() => loadConfig({ FEATURE_CODE_DIRECTORY: '*21' }), ConfigError)
  t.throws(() => loadConfig({ FEATURE_CODE_DIRECTORY: '*721' }), /starts with FEATURE_CODE_FORWARD_ALL_ON/)
  t.throws(() => loadConfig({ DIRECTORY_PROFILE: 'a b' }), ConfigError)
})
