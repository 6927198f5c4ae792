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
    t.same(body.legs, [
      { label: 'extension 100', start_s: 0, stop_s: 15, confirm: false },
      { label: 'extension 101', start_s: 15, stop_s: 30, confirm: false },
      { label: '+15555550100 via carrier', start_s: 32, stop_s: 52, confirm: true },
    ])
    t.same(body.no_answer, { at_s: 52, kind: 'voicemail', box: '100', domain: 'pbx.example.com' })
    t.match(body.bridge, /^<ignore_early_media=true>\{originate_timeout=15,/)
    t.same(body.notes, [])

    // What the operator changes shows at once.
    await db.updateTable('extensions').set({ enabled: false }).where('extension', '=', '101').execute()
    const after = (await app.inject({ method: 'GET', url: '/explain?ext=100&domain=pbx.example.com' })).json()
    t.same(after.legs.map((l: { label: string }) => l.label), ['extension 100', '+15555550100 via carrier'])
    t.match(after.notes, [/destination 1 \(extension 101\) dropped: no enabled extension 101/])
    t.same(after.legs[1], { label: '+15555550100 via carrier', start_s: 17, stop_s: 37, confirm: true }, 'later legs move up')
  })

  t.test('GET /explain: bad input, unknown domain, rejected and outbound calls', async (t) => {
    await seedDemo(db, 'pbx.example.com')
    const app = await buildApp(t, database, { explainEnabled: true })
    const get = (q: string) => app.inject({ method: 'GET', url: `/explain?${q}` })
    t.equal((await get('ext=10a&domain=pbx.example.com')).statusCode, 400)
    t.equal((await get('ext=100&domain=pbx.example.com&from=x')).statusCode, 400)
    t.equal((await get('ext=100')).statusCode, 400)
    t.equal((await get('ext=100&domain=nowhere.example.com')).statusCode, 404)
    const barred = (await get('ext=0044207&domain=pbx.example.com&from=102')).json()
    t.match(barred, { decision: 'reject', cause: 'NO_ROUTE_DESTINATION' })
    const out = (await get('ext=2125550123&domain=pbx.example.com&from=100')).json()
    t.match(out, { decision: 'outbound', legs: [{ label: '2125550123 via carrier', start_s: 0 }] })
  })

  t.test('GET /explain is off unless enabled, and behind basic auth when that is on', async (t) => {
    const off = await buildApp(t, database)
    t.equal((await off.inject({ method: 'GET', url: '/explain?ext=100&domain=pbx.example.com' })).statusCode, 404)
    const guarded = await buildApp(t, database, { explainEnabled: true, basicAuth: { username: 'u', password: 'p' } })
    t.equal((await guarded.inject({ method: 'GET', url: '/explain?ext=100&domain=pbx.example.com' })).statusCode, 401)
  })
})
