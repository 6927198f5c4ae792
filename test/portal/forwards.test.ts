import t, { type Test } from 'tap'
import { saveForwarding } from '../../src/portal/forward-repository.js'
import { findAccount } from '../../src/portal/repository.js'
import { NO_FORWARDING } from '../../src/forwards/settings.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { buildPortal, D, followMeForm, OTHER, PortalClient, seedPortalTenant } from '../helpers/portal.js'
import { parseXml } from '../helpers/xml.js'

// The Call Forward section of the user portal (DND and the four forwards of
// call_forwarding): what it shows, the save (one transaction, audited as
// portal, the lamps told, rung by the very next dialplan lookup through the
// real route), and every refusal. On each database.

type Forward = { on?: boolean; kind?: string; target?: string }

/** The Call Forward form as the page posts it. */
function forwardForm(values: { dnd?: boolean; action?: string; all?: Forward; busy?: Forward; no_answer?: Forward; not_registered?: Forward } = {}): Array<[string, string]> {
  const fields: Array<[string, string]> = [['do_not_disturb_action', values.action ?? 'busy']]
  if (values.dnd === true) fields.push(['do_not_disturb', 'on'])
  for (const c of ['all', 'busy', 'no_answer', 'not_registered'] as const) {
    const f = values[c] ?? {}
    fields.push([`forward_${c}_kind`, f.kind ?? 'external'], [`forward_${c}_target`, f.target ?? ''])
    if (f.on === true) fields.push([`forward_${c}_enabled`, 'on'])
  }
  return fields
}

// An anonymous call in the tenant context is an external caller's: the
// answer first takes any inbound caller ID prefix off (README, Caller ID).
const PLAIN = ['unset', 'effective_caller_id_name']
const VOICEMAIL = (box: string) => [['answer', undefined], ['sleep', '1000'], ['voicemail', `default ${D} ${box}`]]

eachDatabase(t, async (t, database) => {
  const { db } = database
  let ids: Awaited<ReturnType<typeof seedPortalTenant>>
  t.beforeEach(async () => {
    ids = await seedPortalTenant(db)
  })
  const row = (extensionId: number) => db.selectFrom('call_forwarding').selectAll().where('extension_id', '=', extensionId).executeTakeFirst()
  const audit = () => db.selectFrom('call_forwarding_changes').selectAll().orderBy('id').execute()
  const loggedIn = async (t: Test, account = `100@${D}`) => {
    const client = new PortalClient(await buildPortal(t, db))
    t.equal((await client.login(account)).statusCode, 303)
    await client.get('/followme')
    return client
  }
  const caller = async (t: Test) => {
    const app = await buildApp(t, database)
    return async (to: string, extra: Record<string, string> = {}, from?: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/freeswitch',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: callRequest({ context: D, to, ...(from !== undefined ? { from } : {}), extra }),
      })
      return dialplanOf(parseXml(res.body)).actions
    }
  }

  t.test('without a call_forwarding row the section shows everything off; with no Follow Me it is still there', async (t) => {
    const client = await loggedIn(t)
    const res = await client.get('/followme')
    t.match(res.body, /<section aria-labelledby="call-forward-title" id="call-forward"><h2 id="call-forward-title">Call Forward<\/h2>/)
    t.match(res.body, /<input type="checkbox" id="do_not_disturb" name="do_not_disturb" value="on">/)
    for (const c of ['all', 'busy', 'no_answer', 'not_registered']) {
      t.match(res.body, new RegExp(`<input type="checkbox" id="forward_${c}_enabled" name="forward_${c}_enabled" value="on">`), `${c} off`)
      t.match(res.body, new RegExp(`id="forward_${c}_target" name="forward_${c}_target" value=""`), `${c} without a target`)
    }
    t.match(res.body, /When nobody answers within 30 seconds \(set by your administrator\)/, "the extension's ring_timeout_s, read-only")
    t.match(res.body, /id="d0_target"/, 'Follow Me is on the same page')
    const bob = await loggedIn(t, `101@${D}`)
    const page = await bob.get('/followme')
    t.match(page.body, /contact your administrator/)
    t.match(page.body, /<form method="post" action="\/forwards" id="forwards" novalidate>/)
  })

  t.test('save: the row created in one transaction, audited as portal, the lamp told, and the next call forwarded', async (t) => {
    const call = await caller(t)
    t.match((await call('100')).find(([app]) => app === 'bridge')?.[1], /sofia_contact\(\*\/100@pbx\.example\.com\)/, 'before: Follow Me rings the desk first')
    const client = await loggedIn(t)
    const lamp: string[] = []
    const stop = await database.listen('call_forwarding_changed', { onMessage: (p) => lamp.push(p), onReconnect: () => {}, onError: () => {} })
    t.teardown(stop)
    const res = await client.post(
      '/forwards',
      forwardForm({
        all: { on: true, target: ' +1 (555) 555-0199 # ' },
        busy: { on: true, kind: 'extension', target: '101' },
        no_answer: { on: true, kind: 'voicemail', target: '' },
        not_registered: { on: false, target: '555.555.0123' },
      }),
    )
    t.equal(res.statusCode, 303, res.body.slice(0, 400))
    t.equal(res.headers.location, '/followme?saved=forwards#call-forward')
    t.match(await row(ids.alice), {
      do_not_disturb: false,
      do_not_disturb_action: 'busy',
      forward_all_enabled: true,
      forward_all_kind: 'external',
      forward_all_target: '+15555550199',
      forward_busy_enabled: true,
      forward_busy_kind: 'extension',
      forward_busy_target: '101',
      forward_no_answer_enabled: true,
      forward_no_answer_kind: 'voicemail',
      forward_no_answer_target: '100',
      forward_not_registered_enabled: false,
      forward_not_registered_kind: 'external',
      forward_not_registered_target: '5555550123',
    })
    const changes = await audit()
    t.strictSame(
      changes.map((c) => [c.setting, c.old_enabled, c.new_enabled, c.new_target, c.source, c.changed_by, c.call_uuid]),
      [
        ['forward_all', null, true, 'external:+15555550199', 'portal', `100@${D}`, null],
        ['forward_busy', null, true, 'extension:101', 'portal', `100@${D}`, null],
        ['forward_no_answer', null, true, 'voicemail:100', 'portal', `100@${D}`, null],
        ['forward_not_registered', null, false, 'external:5555550123', 'portal', `100@${D}`, null],
      ],
    )
    for (let i = 0; i < 50 && lamp.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    t.match(JSON.parse(lamp[0] ?? '{}'), { domain: D, extension: '100', do_not_disturb: false, forward_all: true }, 'the cf100 lamp is told')
    t.strictSame(await call('100'), [
      PLAIN,
      ['set', 'hangup_after_bridge=true'],
      ['ring_ready', undefined],
      ['bridge', '{ignore_early_media=true,originate_timeout=30}sofia/gateway/carrier/+15555550199'],
      ['hangup', 'NO_ANSWER'],
    ], 'the next call goes to the mobile through the route 100 may use')
    const page = await client.get('/followme?saved=forwards')
    t.match(page.body, /Call Forward saved\. Your next call follows it\./)
    t.match(page.body, /<input type="checkbox" id="forward_all_enabled" name="forward_all_enabled" value="on" checked>/)
    t.match(page.body, /id="forward_all_target" name="forward_all_target" value="\+15555550199"/)
    t.match(page.body, /id="forward_not_registered_target" name="forward_not_registered_target" value="5555550123"/, 'a forward that is off keeps its number')
    t.notMatch(page.body, /Saved\. Your next call follows these settings/, "Follow Me's form does not say saved")
  })

  t.test('DND on turns forward all off in the same save; callers get voicemail when asked; the lamps follow', async (t) => {
    const call = await caller(t)
    const client = await loggedIn(t)
    t.equal((await client.post('/forwards', forwardForm({ all: { on: true, kind: 'extension', target: '101' } }))).statusCode, 303)
    const lamp: string[] = []
    const stop = await database.listen('call_forwarding_changed', { onMessage: (p) => lamp.push(p), onReconnect: () => {}, onError: () => {} })
    t.teardown(stop)
    await client.get('/followme')
    t.equal((await client.post('/forwards', forwardForm({ dnd: true, action: 'voicemail', all: { on: false, kind: 'extension', target: '101' } }))).statusCode, 303)
    t.match(await row(ids.alice), { do_not_disturb: true, do_not_disturb_action: 'voicemail', forward_all_enabled: false, forward_all_target: '101' })
    t.strictSame(
      (await audit()).slice(1).map((c) => [c.setting, c.old_enabled, c.new_enabled, c.old_target, c.new_target, c.source]),
      [
        ['do_not_disturb', false, true, 'busy', 'voicemail', 'portal'],
        ['forward_all', true, false, 'extension:101', 'extension:101', 'portal'],
      ],
    )
    for (let i = 0; i < 50 && lamp.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    t.match(JSON.parse(lamp[0] ?? '{}'), { extension: '100', do_not_disturb: true, forward_all: false }, 'dnd100 lit, cf100 dark')
    t.strictSame(await call('100', {}, '101'), VOICEMAIL('100'), 'DND wins over Follow Me: the own voicemail, as chosen')
  })

  t.test('after-ring forwards of an extension without Follow Me are used by the follow-up lookup', async (t) => {
    const call = await caller(t)
    const bob = await loggedIn(t, `101@${D}`)
    const res = await bob.post('/forwards', forwardForm({ no_answer: { on: true, kind: 'voicemail', target: '100' }, not_registered: { on: true, kind: 'extension', target: '100' } }))
    t.equal(res.statusCode, 303, res.body.slice(0, 400))
    const followUp = (cause: string) => call(`failed_101_${cause}`, { variable_originate_failed_cause: cause })
    t.strictSame(await followUp('NO_ANSWER'), [PLAIN, ...VOICEMAIL('100')], 'no answer: the voicemail box chosen')
    t.strictSame(await followUp('USER_NOT_REGISTERED'), [PLAIN, ['set', 'followme_visited=101'], ['transfer', `100 XML ${D}`]], 'not registered: extension 100')
    t.strictSame(await followUp('USER_BUSY'), [PLAIN, ...VOICEMAIL('101')], 'busy was left off: voicemail as before')
  })

  t.test('refusals name the field in plain words and change nothing', async (t) => {
    const client = await loggedIn(t)
    const cases: Array<[string, Array<[string, string]>, string, RegExp]> = [
      ['a number 100 may not call', forwardForm({ all: { on: true, target: '+44 20 7946 0000' } }), 'forward_all_target', /Forward all calls, number: your extension is not allowed to call \+442079460000 \(ask your administrator\)/],
      ['a number no route matches', forwardForm({ busy: { on: true, target: '0049 30 1234' } }), 'forward_busy_target', /Forward when busy, number: 0049301234 cannot be called from this phone system/],
      ['a forbidden number kept while off', forwardForm({ not_registered: { target: '+442079460000' } }), 'forward_not_registered_target', /Forward when no phone is connected, number: your extension is not allowed/],
      ['not a number', forwardForm({ all: { on: true, target: 'call me' } }), 'forward_all_target', /Forward all calls, number: &quot;call me&quot; is not a phone number/],
      ['not an extension number', forwardForm({ busy: { on: true, kind: 'extension', target: '10a' } }), 'forward_busy_target', /Forward when busy, extension: enter an extension number \(digits only\)/],
      ['its own extension', forwardForm({ busy: { on: true, kind: 'extension', target: '100' } }), 'forward_busy_target', /Forward when busy, extension: 100 is your own extension/],
      ["another tenant's extension", forwardForm({ all: { on: true, kind: 'extension', target: '200' } }), 'forward_all_target', /Forward all calls, extension: there is no extension 200 in pbx\.example\.com/],
      ['a box without voicemail', forwardForm({ no_answer: { on: true, kind: 'voicemail', target: '102' } }), 'forward_no_answer_target', /Forward when not answered, voicemail box: extension 102 has no voicemail/],
      ['on without a number', forwardForm({ no_answer: { on: true, kind: 'extension' } }), 'forward_no_answer_target', /Forward when not answered: enter the extension to forward to/],
      ['DND and forward all together', forwardForm({ dnd: true, all: { on: true, kind: 'extension', target: '101' } }), 'forward_all_enabled', /Forward all calls: it cannot be on together with Do not disturb/],
      ['an unknown kind', forwardForm({ busy: { on: true, kind: 'sip', target: '101' } }), 'forward_busy_kind', /Forward when busy, to: choose an extension, a phone number or a voicemail box/],
      ['an unknown DND action', forwardForm({ dnd: true, action: 'ring' }), 'do_not_disturb_action', /Do not disturb, callers: choose busy or my voicemail/],
    ]
    for (const [what, form, field, message] of cases) {
      const res = await client.post('/forwards', form)
      t.equal(res.statusCode, 422, what)
      t.match(res.body, message, what)
      t.match(res.body, new RegExp(`id="${field}" name="${field}"[^>]*aria-invalid="true" aria-describedby="${field}-error"`), `${what}: the field is marked`)
      t.match(res.body, /id="d0_target" name="d0_target" value="101"/, `${what}: Follow Me shows as saved`)
    }
    t.equal(await row(ids.alice), undefined, 'no row was created')
    t.strictSame(await audit(), [])
  })

  t.test("forms a page never sends are refused: another extension's id, repeated or unknown fields, no CSRF token, no session", async (t) => {
    const client = await loggedIn(t)
    const form = forwardForm({ all: { on: true, kind: 'extension', target: '101' } })
    const refusals: Array<[string, Array<[string, string]>]> = [
      ["another extension's id", [['extension_id', String(ids.otherAlice)]]],
      ['another extension number', [['extension', '200']]],
      ['a repeated field', [['forward_all_target', '102']]],
    ]
    for (const [what, extra] of refusals) {
      const res = await client.post('/forwards', [...form, ...extra])
      t.equal(res.statusCode, 400, what)
      t.match(res.body, /That form cannot be accepted/, what)
    }
    t.equal((await client.post('/forwards', form, { csrf: null })).statusCode, 403, 'no CSRF token')
    const otherSession = new PortalClient(await buildPortal(t, db))
    await otherSession.login(`100@${OTHER}`)
    await otherSession.get('/followme')
    t.equal((await client.post('/forwards', form, { csrf: otherSession.csrf })).statusCode, 403, "another session's token")
    const anonymous = new PortalClient(await buildPortal(t, db))
    await anonymous.get('/login')
    const res = await anonymous.post('/forwards', form)
    t.equal(res.statusCode, 303, 'no session: back to the login page')
    t.equal(res.headers.location, '/login?expired=1')
    // The other tenant's 100 saves its own row only.
    t.equal((await otherSession.post('/forwards', forwardForm({ dnd: true }))).statusCode, 303)
    t.equal(await row(ids.alice), undefined, "nothing of 100@pbx.example.com's changed")
    t.match(await row(ids.otherAlice), { do_not_disturb: true })
  })

  t.test("Follow Me's refusal keeps Call Forward as saved, and the reverse", async (t) => {
    const client = await loggedIn(t)
    t.equal((await client.post('/forwards', forwardForm({ busy: { on: true, kind: 'extension', target: '101' } }))).statusCode, 303)
    await client.get('/followme')
    const fm = await client.post('/followme', followMeForm([{ kind: 'external', target: 'call me' }]))
    t.equal(fm.statusCode, 422)
    t.match(fm.body, /<input type="checkbox" id="forward_busy_enabled" name="forward_busy_enabled" value="on" checked>/)
    const fwd = await client.post('/forwards', forwardForm({ busy: { on: true, kind: 'extension', target: '999' } }))
    t.equal(fwd.statusCode, 422)
    t.match(fwd.body, /id="forward_busy_target" name="forward_busy_target" value="999"/, 'the draft is shown back')
    t.match(fwd.body, /id="d1_target" name="d1_target" value="\+15555550100"/)
  })

  t.test("a target gone between the page's check and the save: the row's own rules refuse it, naming the column", async (t) => {
    const account = await findAccount(db, { extensionId: ids.alice })
    if (account === undefined) throw new Error('no account')
    const busyTo = (kind: 'extension' | 'external', target: string) => ({ ...NO_FORWARDING, forwards: { ...NO_FORWARDING.forwards, busy: { enabled: true, target: { kind, target } } } })
    t.match(await saveForwarding(db, account, busyTo('extension', '999')), { ok: false, column: 'forward_busy_target', reason: /forward_busy target 999 is no extension of the same domain/ }, 'the target trigger')
    t.match(await saveForwarding(db, account, busyTo('external', '12ab')), { ok: false, column: 'forward_busy_target', reason: /call_forwarding_forward_busy_target_format/ }, 'a CHECK, its column from its name')
    const both = { ...NO_FORWARDING, doNotDisturb: true, forwards: { ...NO_FORWARDING.forwards, all: { enabled: true, target: { kind: 'extension' as const, target: '101' } } } }
    t.match(await saveForwarding(db, account, both), { ok: false, column: 'do_not_disturb', reason: /call_forwarding_dnd_or_forward_all/ })
    t.equal(await row(ids.alice), undefined, 'nothing written')
    t.strictSame(await saveForwarding(db, account, busyTo('extension', '101')), { ok: true })
  })
})
