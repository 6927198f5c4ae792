import t from 'tap'
import { seedDemo } from '../../src/db/demo.js'
import { dialplanSettings } from '../../src/dialplan/settings.js'
import { loadConfig } from '../../src/config.js'
import { explainCall, explanationJson, formatExplanation } from '../../src/followme/explain.js'
import { flapsOfDomain, formatFlaps, formatStatus, statusOfDomain } from '../../src/status/report.js'
import { eachDatabase } from '../helpers/databases.js'

// What operators read: npm run explain with the phones registered now, and
// what npm run status prints.


eachDatabase(t, async (t, database) => {
  const { db } = database
  const register = async (extension: string, callId: string, node = 'fs1', userAgent = 'Yealink SIP-T46S') => {
    const e = await db.selectFrom('extensions').select(['id', 'domain_id']).where('extension', '=', extension).executeTakeFirstOrThrow()
    await db.insertInto('registrations').values({ domain_id: e.domain_id, extension_id: e.id, node, profile: 'internal', call_id: callId, contact: `<sip:${extension}@192.0.2.1>`, user_agent: userAgent, expires_at: new Date(Date.now() + 3600_000) }).execute()
    await db.insertInto('registration_events').values({ domain_id: e.domain_id, extension_id: e.id, kind: 'online', reason: 'registered', node, call_id: callId }).execute()
  }

  t.test('explain: phones per extension of the plan, a warning for a destination with none', async (t) => {
    await seedDemo(db, 'pbx.example.com')
    await register('100', 'a')
    await register('100', 'b', 'fs2')
    const settings = dialplanSettings(loadConfig({}).followMe, loadConfig({}).forwarding)
    const explanation = await explainCall(db, settings, { extension: '100', domain: 'pbx.example.com' })
    t.strictSame(explanation?.phones, { '100': 2, '101': 0 })
    t.strictSame(explanation?.warnings, ['Follow Me destination extension 101 has no phone registered now: its branch fails at once'])
    const text = formatExplanation(explanation!)
    t.match(text, /ring {7}0s → 15s {6}extension 100 \(every registration: 2 phones now\)\n/)
    t.match(text, /extension 101 \(every registration: 0 phones now\)/)
    t.match(text, /warnings:\n {2}! Follow Me destination extension 101 has no phone registered now/)
    t.match(explanationJson(explanation!), { registered_phones: { '100': 2, '101': 0 }, warnings: [/extension 101/] })

    await register('101', 'c')
    const after = await explainCall(db, settings, { extension: '100', domain: 'pbx.example.com' })
    t.strictSame(after?.warnings, [], 'no warning once it registered')
    await db.deleteFrom('registrations').where('call_id', 'in', ['a', 'b']).execute()
    t.strictSame((await explainCall(db, settings, { extension: '100', domain: 'pbx.example.com' }))?.warnings, ['extension 100 has no phone registered now: its own branch fails at once'])
  })

  t.test('the status table and the flaps, as npm run status prints them', async (t) => {
    await seedDemo(db, 'pbx.example.com')
    await register('100', 'a', 'fs1', 'Evil\u001b[31m "UA"')
    const e = await db.selectFrom('extensions').select(['id', 'domain_id']).where('extension', '=', '101').executeTakeFirstOrThrow()
    for (const kind of ['online', 'offline', 'online', 'expired'] as const) {
      await db.insertInto('registration_events').values({ domain_id: e.domain_id, extension_id: e.id, kind, reason: kind === 'online' ? 'registered' : kind === 'expired' ? 'expired' : 'unregistered', node: 'fs1' }).execute()
    }
    const now = new Date()
    const text = formatStatus('pbx.example.com', await statusOfDomain(db, 'pbx.example.com'), now)
    const lines = text.trimEnd().split('\n')
    t.equal(lines[0], 'pbx.example.com: 3 extensions, 1 online')
    t.match(lines[2], /^100 +online +1 +\d+s ago +fs1 +"Evil\\u001b\[31m \\"UA\\""$/, 'a user agent is shown quoted, its escape codes inert')
    t.match(lines[3], /^101 +offline +0 +\d+s ago$/)
    t.match(lines[4], /^102 +offline +0 +-$/)
    const flaps = formatFlaps('pbx.example.com', await flapsOfDomain(db, 'pbx.example.com'), now)
    t.match(flaps, /^101 +4 +2 +1 +1 +0 +\d+s ago$/m, '101 flapped: 4 transitions')
    t.match(flaps.split('\n')[2], /^101 /, 'the most transitions first')
    t.equal(formatStatus('empty.example.com', [], now), 'empty.example.com: no extensions\n')
    t.equal(formatFlaps('empty.example.com', [], now), 'empty.example.com: no registration transitions in the last 24 hours\n')
  })
})
