import t, { type Test } from 'tap'
import { buildApp } from '../helpers/app.js'
import { callRequest, dataOf, dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { bars, buildPortal, D, followMeForm, OTHER, PortalClient, seedPortalTenant } from '../helpers/portal.js'
import { parseXml } from '../helpers/xml.js'

// The Follow Me page of the user portal: what it shows, every refusal, and
// a save that the very next dialplan lookup (the real route, a captured
// INVITE) rings. On each database.

eachDatabase(t, async (t, database) => {
  const { db } = database
  let ids: Awaited<ReturnType<typeof seedPortalTenant>>
  t.beforeEach(async () => {
    ids = await seedPortalTenant(db)
  })
  const destinations = (extensionId: number) =>
    db.selectFrom('follow_me_destinations').select(['position', 'kind', 'target', 'delay_s', 'ring_for_s', 'confirm']).where('extension_id', '=', extensionId).orderBy('position').execute()
  const loggedIn = async (t: Test, account = `100@${D}`) => {
    const client = new PortalClient(await buildPortal(t, db))
    t.equal((await client.login(account)).statusCode, 303)
    return client
  }

  t.test('the page shows the saved Follow Me and its timeline from the planner', async (t) => {
    const client = await loggedIn(t)
    const res = await client.get('/followme')
    t.equal(res.statusCode, 200)
    t.match(res.body, /<input type="checkbox" id="enabled" name="enabled" value="on" checked>/)
    t.match(res.body, /id="ring_extension_first_s" name="ring_extension_first_s" value="15"/)
    t.match(res.body, /id="d1_target" name="d1_target" value="\+15555550100"/)
    t.match(res.body, /Ring order: <strong>one after another<\/strong>/)
    t.notMatch(res.body, /name="strategy"/, 'the strategy is the administrator\'s')
    // 15 s desk, 101 for 15 s, 2 s gap, the mobile 20 s with press 1 (README's worked example).
    t.strictSame(bars(res.body), [[0, 15, false], [15, 30, false], [32, 52, true]])
    t.match(res.body, /at 52s: voicemail box 100/)
  })

  t.test('no follow_me row: contact your administrator, nothing to edit or save', async (t) => {
    const client = await loggedIn(t, `101@${D}`)
    const res = await client.get('/followme')
    t.match(res.body, /contact your administrator/)
    t.notMatch(res.body, /id="followme"/)
    const post = await client.post('/followme', followMeForm([]))
    t.equal(post.statusCode, 409)
    t.equal(await db.selectFrom('follow_me').select('extension_id').where('extension_id', '=', ids.bob).executeTakeFirst(), undefined)
  })

  t.test('save: the list replaced in one transaction, renumbered, audited, and rung by the next call', async (t) => {
    const client = await loggedIn(t)
    await client.get('/followme')
    const form = followMeForm(
      [
        { kind: 'external', target: ' +1 (555) 555-0199 # ', delay: '5', ring: '25', confirm: true },
        { kind: 'extension', target: '101', ring: '10' },
        { kind: 'voicemail', target: '100' },
      ],
      { ringFirst: '10' },
    )
    const res = await client.post('/followme', form)
    t.equal(res.statusCode, 303, res.body.slice(0, 300))
    t.equal(res.headers.location, '/followme?saved=1')
    t.strictSame(await destinations(ids.alice), [
      { position: 1, kind: 'external', target: '+15555550199', delay_s: 5, ring_for_s: 25, confirm: true },
      { position: 2, kind: 'extension', target: '101', delay_s: 0, ring_for_s: 10, confirm: false },
      { position: 3, kind: 'voicemail', target: '100', delay_s: 0, ring_for_s: 20, confirm: false },
    ])
    const audit = await db.selectFrom('follow_me_changes').selectAll().where('extension_id', '=', ids.alice).where('source', '=', 'portal').execute()
    t.equal(audit.length, 1)
    t.equal(audit[0]?.changed_by, `100@${D}`)
    t.equal(audit[0]?.old_enabled, true)
    t.equal(audit[0]?.new_enabled, true)
    t.match(audit[0]?.old_settings, { ring_extension_first_s: 15, destinations: [{ target: '101' }, { target: '+15555550100' }, { kind: 'voicemail' }] })
    t.match(audit[0]?.new_settings, { ring_extension_first_s: 10, destinations: [{ position: 1, target: '+15555550199' }, { position: 2, target: '101' }, { position: 3 }] })
    const page = await client.get('/followme?saved=1')
    t.match(page.body, /Saved\. Your next call follows these settings\./)
    t.strictSame(bars(page.body), [[0, 10, false], [15, 40, true], [40, 50, false]])

    const app = await buildApp(t, database)
    const call = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: callRequest({ context: D, from: '102', to: '100' }) })
    const bridge = dataOf(dialplanOf(parseXml(call.body)), 'bridge') ?? ''
    const branches = bridge.split(':_:')
    t.equal(branches.length, 3)
    // The mobile's branch: 15 s in, 25 s of ringing plus the 20 s it has to press 1 once answered.
    t.match(branches[1], /^\{originate_delay_start=15000,originate_timeout=45,leg_timeout=25,group_confirm_timeout=20,group_confirm_key=exec,.*\}sofia\/gateway\/carrier\/\+15555550199$/)
    t.match(branches[2], /^\{originate_delay_start=40000,originate_timeout=10,.*\$\{sofia_contact\(\*\/101@pbx\.example\.com\)\}$/)
  })

  t.test('switching off from the page is the *21 switch: audited as portal, the lamp told', async (t) => {
    const client = await loggedIn(t)
    await client.get('/followme')
    const lamp: string[] = []
    const stop = await database.listen('follow_me_changed', { onMessage: (p) => lamp.push(p), onReconnect: () => {}, onError: () => {} })
    t.teardown(stop)
    const res = await client.post('/followme', followMeForm([{ kind: 'extension', target: '101' }], { enabled: false }))
    t.equal(res.statusCode, 303)
    const fm = await db.selectFrom('follow_me').select('enabled').where('extension_id', '=', ids.alice).executeTakeFirstOrThrow()
    t.equal(fm.enabled, false)
    const audit = await db.selectFrom('follow_me_changes').selectAll().where('source', '=', 'portal').execute()
    t.equal(audit.length, 1, 'one row for the save, the flag change included')
    t.equal(audit[0]?.old_enabled, true)
    t.equal(audit[0]?.new_enabled, false)
    t.match(audit[0]?.new_settings, { destinations: [{ target: '101' }] })
    for (let i = 0; i < 50 && lamp.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    t.match(JSON.parse(lamp[0] ?? '{}'), { domain: D, extension: '100', enabled: false })
    t.match((await client.get('/followme')).body, /Follow Me is off: today calls ring only your phones/)
  })

  t.test('refusals name the field and change nothing', async (t) => {
    const client = await loggedIn(t)
    await client.get('/followme')
    const before = await destinations(ids.alice)
    const cases: Array<[string, Array<[string, string]>, RegExp]> = [
      ['a number no route permits under toll_allow', followMeForm([{ kind: 'external', target: '+44 20 7946 0000' }]), /Destination 1, number: your extension is not allowed to call \+442079460000/],
      ['a number no route matches', followMeForm([{ kind: 'external', target: '0049 30 1234' }]), /Destination 1, number: 0049301234 cannot be called from this phone system/],
      ['not a number', followMeForm([{ kind: 'external', target: 'call me' }]), /Destination 1, number: &quot;call me&quot; is not a phone number/],
      ['voicemail not last', followMeForm([{ kind: 'voicemail', target: '100' }, { kind: 'extension', target: '101' }]), /Destination 1, type: voicemail can only be the last destination/],
      ['voicemail with confirm', followMeForm([{ kind: 'voicemail', target: '100', confirm: true }]), /Destination 1, confirmation: a voicemail box cannot press 1/],
      ['a box without voicemail', followMeForm([{ kind: 'voicemail', target: '102' }]), /Destination 1, voicemail box: extension 102 has no voicemail/],
      ['another tenant\'s extension', followMeForm([{ kind: 'extension', target: '200' }]), /Destination 1, extension: there is no extension 200 in pbx\.example\.com/],
      ['its own extension', followMeForm([{ kind: 'extension', target: '100' }]), /Destination 1, extension: 100 is your own extension/],
      ['an unknown kind', followMeForm([{ kind: 'sip', target: '100' }]), /Destination 1, type: choose extension, phone number or voicemail/],
      ['ring for out of range', followMeForm([{ kind: 'extension', target: '101', ring: '0' }]), /Destination 1, ring for: enter whole seconds from 1 to 600/],
      ['delay not a number', followMeForm([{ kind: 'extension', target: '101', delay: '5s' }]), /Destination 1, wait before ringing: enter whole seconds from 0 to 600/],
      ['ring first too long', followMeForm([], { ringFirst: '601' }), /Ring my phone first: enter whole seconds from 0 to 600/],
      ['ring first negative', followMeForm([], { ringFirst: '-1' }), /Ring my phone first: enter whole seconds/],
    ]
    for (const [what, form, message] of cases) {
      const res = await client.post('/followme', form)
      t.equal(res.statusCode, 422, what)
      t.match(res.body, message, what)
      t.match(res.body, /aria-invalid="true"/, what)
    }
    t.strictSame(await destinations(ids.alice), before)
    t.equal(await db.selectFrom('follow_me_changes').select('id').where('source', '=', 'portal').executeTakeFirst(), undefined)
  })

  t.test('forms a page never sends are refused: another extension\'s id, repeated or unknown fields, no CSRF token', async (t) => {
    const client = await loggedIn(t)
    await client.get('/followme')
    const theirs = await destinations(ids.otherAlice)
    const form = followMeForm([{ kind: 'extension', target: '101' }])
    const refusals: Array<[string, Array<[string, string]>, number]> = [
      ['another extension\'s id', [['extension_id', String(ids.otherAlice)]], 400],
      ['a repeated field', [['d0_target', '102']], 400],
      ['an unknown action', [['op', 'drop-table']], 400],
    ]
    for (const [what, extra, status] of refusals) {
      const res = await client.post('/followme', [...form.filter(([k]) => k !== 'op' || what !== 'an unknown action'), ...extra])
      t.equal(res.statusCode, status, what)
      t.match(res.body, /That form cannot be accepted/, what)
    }
    const noCsrf = await client.post('/followme', form, { csrf: null })
    t.equal(noCsrf.statusCode, 403)
    const otherSession = new PortalClient(await buildPortal(t, db))
    await otherSession.login(`100@${OTHER}`)
    const foreign = await client.post('/followme', form, { csrf: otherSession.csrf })
    t.equal(foreign.statusCode, 403, 'a token from another session does not fit this one')
    t.strictSame(await destinations(ids.otherAlice), theirs)
    t.equal((await destinations(ids.alice)).length, 3, 'nothing saved')
  })

  t.test('add, move and remove redraw the form without saving; the preview draws the draft', async (t) => {
    const client = await loggedIn(t)
    await client.get('/followme')
    const rows = [{ kind: 'extension', target: '101', ring: '15' }, { kind: 'external', target: '5555550100', delay: '2', confirm: true }]
    const down = await client.post('/followme', followMeForm(rows, { op: 'down-0' }))
    t.equal(down.statusCode, 200)
    t.match(down.body, /id="d0_target" name="d0_target" value="5555550100"/)
    t.match(down.body, /id="d1_target" name="d1_target" value="101"/)
    const added = await client.post('/followme', followMeForm(rows, { op: 'add' }))
    t.match(added.body, /id="d2_kind"/)
    const beforeVoicemail = await client.post('/followme', followMeForm([...rows, { kind: 'voicemail', target: '100' }], { op: 'add' }))
    t.match(beforeVoicemail.body, /id="d2_target" name="d2_target" value=""/, 'a new row goes before a final voicemail')
    t.match(beforeVoicemail.body, /id="d3_target" name="d3_target" value="100"/)
    const removed = await client.post('/followme', followMeForm(rows, { op: 'remove-0' }))
    t.notMatch(removed.body, /id="d1_kind"/)
    t.match(removed.body, /id="d0_target" name="d0_target" value="5555550100"/)
    t.equal((await destinations(ids.alice)).length, 3, 'nothing saved')
    const preview = await client.post('/followme/preview', followMeForm([...rows, { kind: 'external', target: '+442079460000' }], { op: 'preview', ringFirst: '0' }))
    t.equal(preview.statusCode, 200)
    t.strictSame(bars(preview.body), [[0, 15, false], [17, 37, true]])
    t.match(preview.body, /Destination 3, number: your extension is not allowed to call/)
  })

  t.test('the strategy is editable only when the administrator allows it', async (t) => {
    const client = await loggedIn(t)
    await client.get('/followme')
    await client.post('/followme', followMeForm([{ kind: 'extension', target: '101' }], { strategy: 'simultaneous' }))
    t.equal((await db.selectFrom('follow_me').select('strategy').where('extension_id', '=', ids.alice).executeTakeFirstOrThrow()).strategy, 'sequential')
    await db.updateTable('follow_me').set({ user_may_choose_strategy: true }).where('extension_id', '=', ids.alice).execute()
    const page = await client.get('/followme')
    t.match(page.body, /<input type="radio" id="strategy-sequential" name="strategy" value="sequential" checked>/)
    const res = await client.post('/followme', followMeForm([{ kind: 'extension', target: '101', delay: '3' }], { strategy: 'simultaneous', ringFirst: '20' }))
    t.equal(res.statusCode, 303)
    t.equal((await db.selectFrom('follow_me').select('strategy').where('extension_id', '=', ids.alice).executeTakeFirstOrThrow()).strategy, 'simultaneous')
    t.strictSame(bars((await client.get('/followme')).body), [[0, 20, false], [3, 23, false]])
    const bad = await client.post('/followme', followMeForm([], { strategy: 'random' }))
    t.equal(bad.statusCode, 422)
    t.match(bad.body, /Ring order: choose one after another or all together/)
  })
})
