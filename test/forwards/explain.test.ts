import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { seedDemo } from '../../src/db/demo.js'
import { dialplanSettings } from '../../src/dialplan/settings.js'
import { explainCall, formatExplanation } from '../../src/followme/explain.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'

// Explain shows DND and the forwards: what wins, where a failed ring goes,
// which Follow Me destination is skipped for DND. The demo tenant is the
// README's worked example; the expected text is written out.

const D = 'pbx.example.com'
const settings = dialplanSettings(loadConfig({}).followMe, loadConfig({}).forwarding)

eachDatabase(t, async (t, database) => {
  const { db } = database
  const idOf = async (extension: string) =>
    (await db.selectFrom('extensions').select('id').where('extension', '=', extension).executeTakeFirstOrThrow()).id
  const explain = async (extension: string) => {
    const e = await explainCall(db, settings, { extension, domain: D })
    if (e === undefined) throw new Error('no explanation')
    return formatExplanation(e)
  }

  t.test('after-ring forwards and the forwarding summary of an extension without Follow Me', async (t) => {
    await seedDemo(db, D)
    await db.insertInto('call_forwarding').values({
      extension_id: await idOf('101'),
      forward_busy_enabled: true,
      forward_busy_kind: 'voicemail',
      forward_busy_target: '100',
      forward_not_registered_enabled: true,
      forward_not_registered_kind: 'extension',
      forward_not_registered_target: '102',
      forward_all_kind: 'extension',
      forward_all_target: '100',
    }).execute()
    const text = await explain('101')
    t.match(text, [
      'Call to 101@pbx.example.com from outside: rings the extension',
      '  ring       0s → 30s      extension 101 (every registration: 0 phones now)',
      "             caller ID: the caller's name and number",
      '  busy       30s           voicemail box 100',
      '  no answer  30s           voicemail box 101',
      '  not registered (at once, nothing rings): transfer to extension 102 (its own forwards and Follow Me apply)',
      '  do not disturb: off',
      '  forwards: all (off) extension 100; busy → voicemail box 100; no answer —; not registered → extension 102',
      'warnings:',
      '  ! extension 101 has no phone registered now: its own branch fails at once',
      'actions:',
    ].join('\n'))
    t.match(text, 'transfer failed_101_${originate_failed_cause} XML pbx.example.com')
  })

  t.test('DND and forward all, and a Follow Me destination skipped for DND', async (t) => {
    await seedDemo(db, D)
    await db.insertInto('call_forwarding').values({ extension_id: await idOf('101'), do_not_disturb: true }).execute()
    const fm = await explain('100')
    t.match(fm, 'destination 1 (extension 101) dropped: Do Not Disturb is on for 101')
    t.notMatch(fm, 'presence_id=101@', '101 does not ring')
    t.match(await explain('101'), 'Call to 101@pbx.example.com from outside: Do Not Disturb, hang up (USER_BUSY)\n  do not disturb: on (callers hear busy)\n')
    await db.updateTable('call_forwarding').set({ forward_all_enabled: true, forward_all_kind: 'external', forward_all_target: '+15555550100' }).execute()
    await db.updateTable('extensions').set({ toll_allow: ['domestic'] }).where('extension', '=', '101').execute()
    t.match(await explain('101'), 'forward all, forward to +15555550100 via carrier for 30s')
    await db.updateTable('extensions').set({ toll_allow: [] }).where('extension', '=', '101').execute()
    t.match(await explain('101'), 'forward all to +15555550100 skipped: +15555550100 needs toll class domestic, allowed: none')
    t.match(await explain('101'), 'Call to 101@pbx.example.com from outside: rings the extension', 'and the extension rings instead')
  })

  t.test('GET /explain carries the forwarding as data', async (t) => {
    await seedDemo(db, D)
    await db.insertInto('call_forwarding').values({ extension_id: await idOf('102'), do_not_disturb: true, do_not_disturb_action: 'voicemail' }).execute()
    const app = await buildApp(t, database, { explainEnabled: true })
    const body = (await app.inject({ method: 'GET', url: `/explain?ext=102&domain=${D}` })).json()
    t.match(body, { decision: 'forward', reason: 'dnd', step: { kind: 'voicemail', box: '102' }, forwarding: { doNotDisturb: true, doNotDisturbAction: 'voicemail' } })
  })
})
