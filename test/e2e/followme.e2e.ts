/**
 * End to end: a real FreeSWITCH asks the service (in this process, on an
 * embedded PostgreSQL) through mod_xml_curl, sipp plays the phones, and the
 * rows are written with SQL first, as an operator would. Opt-in:
 *
 *   FREESWITCH_BIN=/usr/local/freeswitch/bin/freeswitch npm run test:e2e
 *
 * (sipp on PATH; FREESWITCH_MOD_DIR and LD_LIBRARY_PATH as that build needs;
 * see test/e2e/README.md). Without them the file skips with one line.
 *
 * Times are read from sipp's message traces (when each phone received its
 * INVITE or CANCEL, when the caller got its answer), in seconds from the
 * caller's INVITE that FreeSWITCH took, and compared with the plan: within
 * 1 s + 20 % of the planned second. A start runs late (originate_delay_start
 * sleeps longer than asked: 4.2-4.6 s for 4, 9.4-10.2 s for 9 on a busy
 * 2-core machine); a stop may come up to a second early (originate_timeout
 * compares whole seconds: 2.2-3.1 s for 3, 3.1-3.9 s for 4). Causes come
 * from FreeSWITCH's own CHANNEL_HANGUP_COMPLETE events on the event socket.
 */
import { sql } from 'kysely'
import t from 'tap'
import { followMeEnabled, setFollowMe } from './followme-rows.js'
import { MODULES, findTools, type Tools } from './harness.js'
import { DOMAIN, PHONES, answers, atPlanned, call, confirms, dialogState, fmt, password, register, rings, setUp, soonAfter, type Phone } from './world.js'

// ---------------------------------------------------------------------------
// The suite

async function suite(tools: Tools): Promise<void> {
  // MODULES only: none of these scenarios needs an optional module (mod_directory
  // is dial-by-name's, caller-id.e2e.ts), so FreeSWITCH loads what it always did here.
  const w = await setUp(t, tools, { modules: MODULES })

  await t.test('1. REGISTER: the right password registers (200), a wrong one does not (403)', async (t) => {
    for (const [phone, extension] of Object.entries(PHONES) as Array<[Phone, string]>) {
      t.equal(await register(w, phone, w.ports[phone], extension, password(extension)), 200, `${phone} registers as ${extension}`)
    }
    t.equal(await register(w, 'intruder', w.ports.intruder, '103', 'not-the-password'), 403, '103 with a wrong password: 403')
    // multiple-registrations=contact: both of 101's phones stay registered.
    const contacts = await w.events.api(`sofia_contact */101@${DOMAIN}`)
    t.match(contacts, `:${w.ports.p101a}`, `101's first phone is registered (${contacts.trim()})`)
    t.match(contacts, `:${w.ports.p101b}`, "101's second phone is registered")
    t.notMatch(await w.events.api(`sofia_contact */103@${DOMAIN}`), `:${w.ports.intruder}`, 'the intruder is not')
  })

  await t.test('2. a call to an extension rings every registered phone', async (t) => {
    const c = await call(t, w, { from: '103', to: '101', holdMs: 500, phones: { p101a: answers(1000), p101b: rings() } })
    atPlanned(t, c.invited('p101a'), 0, "101's first phone rings")
    atPlanned(t, c.invited('p101b'), 0, "101's second phone rings")
    t.equal(c.final.status, 200, 'the caller is connected')
    soonAfter(t, c.final.at, c.answered('p101a'), 'connected when the first phone answers')
    soonAfter(t, c.cancelled('p101b'), c.answered('p101a'), 'the second phone stops')
  })

  await t.test('3. Follow Me, sequential: legs in order at their seconds; the first to answer gets the call', async (t) => {
    await setFollowMe(w.db, {
      strategy: 'sequential',
      ringFirstS: 4,
      destinations: [
        { extension: '101', delayS: 0, ringS: 4 },
        { extension: '102', delayS: 1, ringS: 4 },
      ],
    })
    // Plan: 100 rings 0-4 s, 101 4-8 s, 102 from 9 s; 102's first phone answers 1 s later.
    const c = await call(t, w, {
      from: '103',
      to: '100',
      holdMs: 1000,
      phones: { p100: rings(), p101a: rings(), p101b: rings(), p102a: answers(1000), p102b: rings() },
    })
    atPlanned(t, c.invited('p100'), 0, '100 rings')
    atPlanned(t, c.cancelled('p100'), 4, '100 stops')
    atPlanned(t, c.invited('p101a'), 4, "101's first phone rings")
    atPlanned(t, c.invited('p101b'), 4, "101's second phone rings")
    atPlanned(t, c.cancelled('p101a'), 8, '101 stops')
    atPlanned(t, c.invited('p102a'), 9, "102's first phone rings")
    atPlanned(t, c.invited('p102b'), 9, "102's second phone rings")
    const [first, second, third] = [c.invited('p100'), c.invited('p101a'), c.invited('p102a')]
    const inOrder = first !== undefined && second !== undefined && third !== undefined && first < second && second < third
    t.ok(inOrder, `in order: 100 ${fmt(first)}, 101 ${fmt(second)}, 102 ${fmt(third)}`)
    t.equal(c.final.status, 200, 'the caller is connected')
    soonAfter(t, c.final.at, c.answered('p102a'), "connected when 102's first phone answers")
    soonAfter(t, c.cancelled('p102b'), c.answered('p102a'), "102's second phone gets CANCEL")
    t.ok(c.hungUp('p102a') !== undefined, 'the answering phone gets the BYE when the caller hangs up')
  })

  await t.test('4. Follow Me, simultaneous: each leg at its own delay; the first to answer gets the call', async (t) => {
    await setFollowMe(w.db, {
      strategy: 'simultaneous',
      ringFirstS: 6,
      destinations: [
        { extension: '101', delayS: 0, ringS: 6 },
        { extension: '102', delayS: 2, ringS: 6 },
      ],
    })
    // Plan: 100 and 101 ring from 0 s, 102 from 2 s; 101's first phone answers at 3 s.
    const c = await call(t, w, {
      from: '103',
      to: '100',
      holdMs: 500,
      phones: { p100: rings(), p101a: answers(3000), p101b: rings(), p102a: rings(), p102b: rings() },
    })
    atPlanned(t, c.invited('p100'), 0, '100 rings')
    atPlanned(t, c.invited('p101a'), 0, "101's first phone rings")
    atPlanned(t, c.invited('p101b'), 0, "101's second phone rings")
    atPlanned(t, c.invited('p102a'), 2, "102's first phone rings")
    atPlanned(t, c.invited('p102b'), 2, "102's second phone rings")
    t.equal(c.final.status, 200, 'the caller is connected')
    soonAfter(t, c.final.at, c.answered('p101a'), "connected when 101's first phone answers")
    for (const phone of ['p100', 'p101b', 'p102a', 'p102b'] as const) {
      soonAfter(t, c.cancelled(phone), c.answered('p101a'), `${phone} gets CANCEL`)
    }
  })

  await t.test('5. confirm: a leg is connected only after it presses 1; 2 drops that leg alone', async (t) => {
    await setFollowMe(w.db, {
      strategy: 'simultaneous',
      ringFirstS: 0,
      destinations: [
        { extension: '101', delayS: 0, ringS: 10, confirm: true },
        { extension: '102', delayS: 0, ringS: 10 },
      ],
    })

    await t.test('2 rejects that leg; the others keep ringing and can answer', async (t) => {
      const c = await call(t, w, {
        from: '103',
        to: '100',
        holdMs: 500,
        phones: { p101a: confirms(1000, '2', 1000), p101b: rings(), p102a: answers(4000), p102b: rings() },
      })
      t.ok(c.pressed('p101a') !== undefined, `101's first phone answered at ${fmt(c.answered('p101a'))} and pressed 2 at ${fmt(c.pressed('p101a'))}`)
      soonAfter(t, c.hungUp('p101a'), c.pressed('p101a'), 'that leg is hung up', 1)
      t.equal(c.cancelled('p102a'), undefined, '102 was not stopped by it')
      t.equal(c.final.status, 200, 'the caller is connected')
      soonAfter(t, c.final.at, c.answered('p102a'), 'to 102, when it answers')
      t.ok((c.answered('p102a') ?? 0) > (c.pressed('p101a') ?? Infinity), '102 answered after the 2')
      soonAfter(t, c.cancelled('p101b'), c.answered('p102a'), "101's second phone rang until 102 answered")
      soonAfter(t, c.cancelled('p102b'), c.answered('p102a'), "102's second phone gets CANCEL")
      const rejected = await c.hangupOf(c.phoneCallId('p101a'))
      t.equal(rejected.get('Hangup-Cause'), 'CALL_REJECTED', 'FreeSWITCH hung the rejected leg up with CALL_REJECTED')
    })

    await t.test('1 takes the call, not the answer', async (t) => {
      const c = await call(t, w, {
        from: '103',
        to: '100',
        holdMs: 500,
        phones: { p101a: confirms(1000, '1', 2000), p101b: rings(), p102a: rings(), p102b: rings() },
      })
      const answered = c.answered('p101a')
      const pressed = c.pressed('p101a')
      t.ok(answered !== undefined && pressed !== undefined, `101's first phone answered at ${fmt(answered)} and pressed 1 at ${fmt(pressed)}`)
      t.equal(c.final.status, 200, 'the caller is connected')
      soonAfter(t, c.final.at, pressed, 'only once 1 was pressed, not at the answer')
      for (const phone of ['p101b', 'p102a', 'p102b'] as const) {
        soonAfter(t, c.cancelled(phone), pressed, `${phone} rang until then`)
      }
    })
  })

  await t.test('6. nobody answers: the configured action (hangup) at the planned time', async (t) => {
    await setFollowMe(w.db, {
      strategy: 'sequential',
      ringFirstS: 3,
      destinations: [{ extension: '101', delayS: 1, ringS: 3 }],
    })
    // Plan: 100 rings 0-3 s, 101 4-7 s, then no_answer_action hangup (NO_ANSWER).
    const c = await call(t, w, { from: '103', to: '100', holdMs: 500, phones: { p100: rings(), p101a: rings(), p101b: rings() } })
    atPlanned(t, c.invited('p100'), 0, '100 rings')
    atPlanned(t, c.cancelled('p100'), 3, '100 stops')
    atPlanned(t, c.invited('p101a'), 4, '101 rings')
    atPlanned(t, c.cancelled('p101a'), 7, '101 stops')
    t.equal(c.final.status, 480, 'the caller gets 480 Temporarily Unavailable')
    atPlanned(t, c.final.at, 7, 'the call ends')
    const hangup = await c.hangupOf(c.callerCallId)
    t.equal(hangup.get('Hangup-Cause'), 'NO_ANSWER', "FreeSWITCH's cause for the caller's leg")
  })

  await t.test('7. *21 toggles Follow Me and the fm100 lamp follows; so does an UPDATE', async (t) => {
    await setFollowMe(w.db, { enabled: false, strategy: 'sequential', ringFirstS: 10, destinations: [] })
    const blf = await w.sipp.start({
      name: 'blf100',
      scenario: 'subscribe.xml',
      port: w.ports.blf,
      remote: w.internal,
      args: ['-s', 'fm100', '-key', 'subscriber', '100', '-au', '100', '-ap', password('100')],
    })
    const notifies = (after: number) =>
      blf.messages().filter((m) => m.direction === 'received' && m.method === 'NOTIFY' && m.at >= after)
    const lamp = async (after: number, state: string, what: string) => {
      const notify = await blf
        .waitForMessage(`a NOTIFY ${state} (${what})`, 5000, (m) => m.direction === 'received' && m.method === 'NOTIFY' && m.at >= after && dialogState(m.body) === state)
        .catch(() => undefined)
      const seen = notifies(after).map((m) => dialogState(m.body) ?? 'no dialog')
      t.ok(notify !== undefined, `${what}: NOTIFY with state ${state} ${notify ? `${((notify.at - after) / 1000).toFixed(2)} s later` : 'never came'} (states seen: ${seen.join(', ') || 'none'})`)
    }

    const subscribed = await blf.waitForMessage('the first NOTIFY', 5000, (m) => m.method === 'NOTIFY')
    t.not(dialogState(subscribed.body), 'confirmed', `subscribed to fm100: the lamp is dark (${dialogState(subscribed.body) ?? 'no dialog'})`)

    const on = await call(t, w, { from: '100', to: '*21', holdMs: 5000, phones: {} })
    t.equal(on.final.status, 200, '*21 is answered')
    t.ok(on.caller.some((m) => m.method === 'BYE' && m.direction === 'received'), 'and hung up after the announcement')
    t.equal(await followMeEnabled(w.db), true, 'follow_me.enabled is now true')
    await lamp(on.t0, 'confirmed', '*21 on')
    const presence = await w.events
      .waitFor('PRESENCE_IN fm100 confirmed', 5000, (e) => e.name === 'PRESENCE_IN' && e.get('from') === `fm100@${DOMAIN}` && e.get('answer-state') === 'confirmed' && e.at >= on.t0)
      .catch(() => undefined)
    t.ok(presence !== undefined, 'FreeSWITCH got a PRESENCE_IN for fm100 (confirmed)')

    const off = await call(t, w, { from: '100', to: '*21', holdMs: 5000, phones: {} })
    t.equal(off.final.status, 200, '*21 again is answered')
    t.equal(await followMeEnabled(w.db), false, 'follow_me.enabled is false again')
    await lamp(off.t0, 'terminated', '*21 off')

    const updatedAt = Date.now()
    await sql`
      UPDATE follow_me SET enabled = true
       WHERE extension_id = (SELECT e.id FROM extensions e JOIN domains d ON d.id = e.domain_id
                              WHERE d.name = ${DOMAIN} AND e.extension = '100')`.execute(w.db)
    await lamp(updatedAt, 'confirmed', 'UPDATE in SQL')

    const { rows } = await sql<{ source: string; new_enabled: boolean }>`
      SELECT source, new_enabled FROM follow_me_changes ORDER BY id DESC LIMIT 3`.execute(w.db)
    t.same(
      rows.reverse().map((r) => `${r.source}:${r.new_enabled}`),
      ['feature_code:true', 'feature_code:false', 'sql:true'],
      'each change is audited with its source',
    )
    t.ok(blf.running, 'the subscriber took every NOTIFY (its sipp is still running)')
    await blf.stop()
  })

  await t.test('8. a row changed between two calls changes the second call', async (t) => {
    await sql`
      INSERT INTO dids (number, domain_id, extension_id)
      SELECT '15550100', d.id, e.id FROM extensions e JOIN domains d ON d.id = e.domain_id
       WHERE d.name = ${DOMAIN} AND e.extension = '101'`.execute(w.db)
    const phones = { p101a: answers(500), p101b: rings(), p102a: answers(500), p102b: rings() }
    const first = await call(t, w, { from: 'carrier', to: '15550100', holdMs: 500, phones })
    t.equal(first.final.status, 200, 'a carrier call to the DID is connected')
    t.ok(first.invited('p101a') !== undefined && first.invited('p101b') !== undefined, 'it rang 101')
    t.ok(first.invited('p102a') === undefined && first.invited('p102b') === undefined, 'not 102')

    await sql`
      UPDATE dids SET extension_id = (SELECT e.id FROM extensions e JOIN domains d ON d.id = e.domain_id
                                       WHERE d.name = ${DOMAIN} AND e.extension = '102')
       WHERE number = '15550100'`.execute(w.db)
    const second = await call(t, w, { from: 'carrier', to: '15550100', holdMs: 500, phones })
    t.equal(second.final.status, 200, 'the next call is connected')
    t.ok(second.invited('p102a') !== undefined && second.invited('p102b') !== undefined, 'it rang 102')
    t.ok(second.invited('p101a') === undefined && second.invited('p101b') === undefined, 'not 101')
  })

  await t.test('9. the service stopped: FreeSWITCH falls back to freeswitch-conf and fails closed', async (t) => {
    await w.stopService()
    // Vanilla's static directory would have let 1000/1234 in; freeswitch-conf's is empty.
    t.equal(await register(w, 'vanilla', w.ports.intruder, '1000', '1234'), 403, "vanilla's default 1000/1234: 403")
    t.equal(await register(w, 'no-directory', w.ports.intruder, '103', password('103')), 403, '103 with its own password: 403 (nothing to check it against)')
    const internal = await call(t, w, { from: '103', to: '101', holdMs: 500, phones: { p101a: answers(500), p101b: rings() } })
    t.ok((internal.final.status ?? 0) >= 400, `a phone's call fails (${internal.final.status})`)
    const carrier = await call(t, w, { from: 'carrier', to: '15550100', holdMs: 500, phones: { p102a: answers(500), p102b: rings() } })
    t.ok((carrier.final.status ?? 0) >= 400, `a carrier's call to a DID fails (${carrier.final.status})`)
    for (const phone of ['p101a', 'p101b', 'p102a', 'p102b'] as const) {
      t.equal(internal.invited(phone) ?? carrier.invited(phone), undefined, `${phone} never rang`)
    }
  })
}

const found = findTools()
if ('skip' in found) {
  t.plan(0, found.skip)
} else {
  await suite(found.tools)
}
