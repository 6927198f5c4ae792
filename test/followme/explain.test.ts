import t from 'tap'
import { seedDemo } from '../../src/db/demo.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'

// Explain is how operators debug: the same decision a call gets, as a
// timeline. The demo tenant is the README's worked example.

eachDatabase(t, async (t, database) => {
  const { db } = database

  t.test('GET /explain shows the timeline, the no-answer step and the bridge', async (t) => {
    await seedDemo(db, 'pbx.example.com')
    const app = await buildApp(t, database, { explainEnabled: true })
    const res = await app.inject({ method: 'GET', url: '/explain?ext=100&domain=PBX.example.com' })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.equal(body.call, '100@pbx.example.com')
    t.equal(body.mode, 'follow-me-sequential')
    t.strictSame(body.legs, [
      { label: 'extension 100', start_s: 0, stop_s: 15, confirm: false, caller_id: "the caller's name and number" },
      { label: 'extension 101', start_s: 15, stop_s: 30, confirm: false, caller_id: "the caller's name and number" },
      { label: '+15555550100 via carrier', start_s: 32, stop_s: 52, confirm: true, caller_id: "the caller's own name and number" },
    ])
    t.strictSame(body.no_answer, { at_s: 52, kind: 'voicemail', box: '100', domain: 'pbx.example.com' })
    t.match(body.bridge, /^<ignore_early_media=true>\{originate_timeout=15,/)
    t.strictSame(body.notes, [])

    // What the operator changes shows at once.
    await db.updateTable('extensions').set({ enabled: false }).where('extension', '=', '101').execute()
    const after = (await app.inject({ method: 'GET', url: '/explain?ext=100&domain=pbx.example.com' })).json()
    t.strictSame(after.legs, [
      { label: 'extension 100', start_s: 0, stop_s: 15, confirm: false, caller_id: "the caller's name and number" },
      { label: '+15555550100 via carrier', start_s: 17, stop_s: 37, confirm: true, caller_id: "the caller's own name and number" },
    ], 'later legs move up')
    t.strictSame(after.notes, ['destination 1 (extension 101) dropped: no enabled extension 101 in pbx.example.com'])
  })

  t.test('GET /explain: bad input, unknown domain, rejected and outbound calls', async (t) => {
    await seedDemo(db, 'pbx.example.com')
    const app = await buildApp(t, database, { explainEnabled: true })
    const get = (q: string) => app.inject({ method: 'GET', url: `/explain?${q}` })
    const usage = { error: 'expected ext=<digits>&domain=<sip domain>[&from=<digits>]' }
    for (const q of ['ext=10a&domain=pbx.example.com', 'ext=100&domain=pbx.example.com&from=x', 'ext=100', 'domain=pbx.example.com',
      'ext=100&ext=101&domain=pbx.example.com', 'ext=100&domain=pbx.example.com&domain=x.example.com', 'ext=100&domain=pbx.example.com&from=101&from=102',
      'ext=100&domain=pbx..example.com']) {
      const res = await get(q)
      t.equal(res.statusCode, 400, q)
      t.strictSame(res.json(), usage, q)
    }
    const unknown = await get('ext=100&domain=Nowhere.example.com')
    t.equal(unknown.statusCode, 404)
    t.strictSame(unknown.json(), { error: 'no enabled domain nowhere.example.com' })
    // The whole JSON, strictly: numbers are numbers, no extra or missing item.
    const noRoute = (await get('ext=0044207&domain=pbx.example.com&from=102')).json()
    t.strictSame(noRoute, {
      call: '0044207@pbx.example.com',
      from: 'extension 102',
      decision: 'reject',
      notes: ['no outbound route matches 0044207'],
      registered_phones: {},
      warnings: [],
      bridge: null,
      actions: [['hangup', 'NO_ROUTE_DESTINATION']],
      cause: 'NO_ROUTE_DESTINATION',
    })
    const barred = (await get('ext=2125550123&domain=pbx.example.com&from=102')).json()
    t.strictSame(barred, {
      call: '2125550123@pbx.example.com',
      from: 'extension 102',
      decision: 'reject',
      notes: ['2125550123 needs toll class domestic, allowed: none'],
      registered_phones: {},
      warnings: [],
      bridge: null,
      actions: [['hangup', 'OUTGOING_CALL_BARRED']],
      cause: 'OUTGOING_CALL_BARRED',
    })
    const out = (await get('ext=2125550123&domain=pbx.example.com&from=100')).json()
    const bridge = '{ignore_early_media=true,originate_timeout=120,origination_caller_id_name=Alice Desk,origination_caller_id_number=100}sofia/gateway/carrier/2125550123'
    t.strictSame(out, {
      call: '2125550123@pbx.example.com',
      from: 'extension 100',
      decision: 'outbound',
      notes: ['2125550123 via route 10 (gateway carrier)'],
      registered_phones: {},
      warnings: [],
      bridge,
      actions: [['set', 'hangup_after_bridge=true'], ['bridge', bridge]],
      legs: [{ label: '2125550123 via carrier', start_s: 0, stop_s: 120, confirm: false, caller_id: '"Alice Desk" 100' }],
    })
  })

  t.test('GET /explain is off unless enabled, and behind basic auth when that is on', async (t) => {
    const off = await buildApp(t, database)
    t.equal((await off.inject({ method: 'GET', url: '/explain?ext=100&domain=pbx.example.com' })).statusCode, 404)
    const guarded = await buildApp(t, database, { explainEnabled: true, basicAuth: { username: 'u', password: 'p' } })
    t.equal((await guarded.inject({ method: 'GET', url: '/explain?ext=100&domain=pbx.example.com' })).statusCode, 401)
  })
})
