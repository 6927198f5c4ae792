/**
 * End to end: DND and call forwarding on a real FreeSWITCH (issue 11). The
 * service (in this process, on an embedded PostgreSQL) answers through
 * mod_xml_curl, sipp plays the phones, the rows are written with SQL first.
 * Opt-in, like followme.e2e.ts:
 *
 *   FREESWITCH_BIN=/usr/local/freeswitch/bin/freeswitch npm run test:e2e
 *
 * Each test prints what FreeSWITCH really did: the causes (its
 * CHANNEL_HANGUP_COMPLETE events, and the cause the service read back in
 * the follow-up lookup failed_<EXT>_<CAUSE>) and the times, in seconds from
 * the caller's INVITE.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { findTools, type Tools } from './harness.js'
import { DOMAIN, PHONES, answers, busy, call, dialogState, fmt, password, register, rings, setUp, soonAfter, type Phone, type World } from './world.js'

const ext = (extension: string) =>
  sql`(SELECT e.id FROM extensions e JOIN domains d ON d.id = e.domain_id WHERE d.name = ${DOMAIN} AND e.extension = ${extension})`

/** Replaces `extension`'s call_forwarding row. */
async function setForwarding(db: Kysely<DB>, extension: string, columns: Record<string, string | boolean>): Promise<void> {
  await sql`DELETE FROM call_forwarding WHERE extension_id = ${ext(extension)}`.execute(db)
  const names = Object.keys(columns)
  await sql`INSERT INTO call_forwarding (extension_id, ${sql.join(names.map((n) => sql.id(n)))})
            VALUES (${ext(extension)}, ${sql.join(Object.values(columns))})`.execute(db)
}

async function state(db: Kysely<DB>, extension: string) {
  const { rows } = await sql<{ do_not_disturb: boolean; forward_all_enabled: boolean; forward_all_target: string | null }>`
    SELECT do_not_disturb, forward_all_enabled, forward_all_target FROM call_forwarding WHERE extension_id = ${ext(extension)}`.execute(db)
  return rows[0]
}

/** The follow-up lookups the service answered (from its log): the causes bridge left. */
async function followUps(w: World): Promise<string[]> {
  const log = await readFile(join(w.dir, 'service.log'), 'utf8').catch(() => '')
  return log
    .split('\n')
    .filter((line) => line.includes('"destination":"failed_'))
    .map((line) => (JSON.parse(line) as { destination: string }).destination)
}

async function suite(tools: Tools): Promise<void> {
  const w = await setUp(t, tools, {
    env: {
      FORWARD_PROMPT_ON: 'tone_stream://%(300,0,880)',
      FORWARD_PROMPT_OFF: 'tone_stream://%(300,0,440)',
      DND_PROMPT_ON: 'tone_stream://%(300,0,660)',
      DND_PROMPT_OFF: 'tone_stream://%(300,0,330)',
    },
  })
  await t.test('the phones register (103 has none)', async (t) => {
    for (const [phone, extension] of Object.entries(PHONES) as Array<[Phone, string]>) {
      t.equal(await register(w, phone, w.ports[phone], extension, password(extension)), 200, `${phone} registers as ${extension}`)
    }
  })

  await t.test('DND: the caller gets busy, the phone never rings', async (t) => {
    await setForwarding(w.db, '100', { do_not_disturb: true })
    const c = await call(t, w, { from: '103', to: '100', holdMs: 500, phones: { p100: rings() } })
    t.equal(c.invited('p100'), undefined, '100 never rang')
    t.equal(c.final.status, 486, `the caller gets 486 Busy Here at ${fmt(c.final.at)}`)
    const hangup = await c.hangupOf(c.callerCallId)
    t.equal(hangup.get('Hangup-Cause'), 'USER_BUSY', "FreeSWITCH's cause for the caller's leg")
  })

  await t.test('forward all rings the target, not the extension', async (t) => {
    await setForwarding(w.db, '100', { forward_all_enabled: true, forward_all_kind: 'extension', forward_all_target: '101' })
    const c = await call(t, w, { from: '103', to: '100', holdMs: 500, phones: { p100: rings(), p101a: answers(1000), p101b: rings() } })
    t.equal(c.invited('p100'), undefined, '100 never rang')
    t.ok(c.invited('p101a') !== undefined && c.invited('p101b') !== undefined, `both of 101's phones rang at ${fmt(c.invited('p101a'))}`)
    t.equal(c.final.status, 200, 'the caller is connected to 101')
    soonAfter(t, c.final.at, c.answered('p101a'), "when 101's phone answers")
  })

  await t.test('a 486 from the phone reaches the busy forward', async (t) => {
    await setForwarding(w.db, '100', { forward_busy_enabled: true, forward_busy_kind: 'extension', forward_busy_target: '102' })
    const before = (await followUps(w)).length
    const c = await call(t, w, { from: '103', to: '100', holdMs: 500, phones: { p100: busy(500), p102a: answers(1000), p102b: rings() } })
    const busyAt = c.phones.get('p100')?.find((m) => m.direction === 'sent' && m.status === 486)?.at
    const busySent = busyAt === undefined ? undefined : (busyAt - c.t0) / 1000
    t.ok(c.invited('p100') !== undefined, `100 rang at ${fmt(c.invited('p100'))} and answered 486 at ${fmt(busySent)}`)
    soonAfter(t, c.invited('p102a'), busySent, '102 rings right after the 486', 1)
    t.same((await followUps(w)).slice(before), ['failed_100_USER_BUSY'], 'the cause bridge left: USER_BUSY')
    const leg = await c.hangupOf(c.phoneCallId('p100'))
    t.comment(`100's leg: Hangup-Cause ${leg.get('Hangup-Cause')}, ${leg.get('variable_proto_specific_hangup_cause') ?? leg.get('variable_sip_term_status') ?? ''}`)
    t.equal(c.final.status, 200, 'the caller is connected to 102')
  })

  await t.test('no answer within ring_timeout_s reaches the no-answer forward', async (t) => {
    await setForwarding(w.db, '100', { forward_no_answer_enabled: true, forward_no_answer_kind: 'extension', forward_no_answer_target: '102' })
    const before = (await followUps(w)).length
    const c = await call(t, w, { from: '103', to: '100', holdMs: 500, phones: { p100: rings(), p102a: answers(500), p102b: rings() } })
    t.ok(c.cancelled('p100') !== undefined, `100 rang ${fmt(c.invited('p100'))} to ${fmt(c.cancelled('p100'))} (ring_timeout_s 4)`)
    soonAfter(t, c.invited('p102a'), c.cancelled('p100'), '102 rings when 100 stops', 1)
    const causes = (await followUps(w)).slice(before)
    t.equal(causes.length, 1, `one follow-up: ${causes.join(', ')}`)
    t.match(causes[0] ?? '', /^failed_100_(NO_ANSWER|ALLOTTED_TIMEOUT)$/, 'the cause bridge left for a ring timeout')
    t.equal(c.final.status, 200, 'the caller is connected to 102')
  })

  await t.test('an unregistered extension reaches its not-registered forward within 1 s', async (t) => {
    await setForwarding(w.db, '103', { forward_not_registered_enabled: true, forward_not_registered_kind: 'extension', forward_not_registered_target: '102' })
    const before = (await followUps(w)).length
    const c = await call(t, w, { from: '100', to: '103', holdMs: 500, phones: { p102a: answers(500), p102b: rings() } })
    const at = c.invited('p102a')
    t.ok(at !== undefined && at < 1, `102 rang at ${fmt(at)}, under 1 s after the INVITE`)
    t.same((await followUps(w)).slice(before), ['failed_103_USER_NOT_REGISTERED'], 'the cause bridge left: USER_NOT_REGISTERED')
    t.equal(c.final.status, 200, 'the caller is connected to 102')
  })

  await t.test('*72/*73 and *78/*79 flip the rows, and the cf100 and dnd100 lamps follow', async (t) => {
    await sql`DELETE FROM call_forwarding WHERE extension_id = ${ext('100')}`.execute(w.db)
    const subscribe = (name: string, port: number) =>
      w.sipp.start({ name, scenario: 'subscribe.xml', port, remote: w.internal, args: ['-s', name, '-key', 'subscriber', '100', '-au', '100', '-ap', password('100')] })
    const cf = await subscribe('cf100', w.ports.blf)
    const dnd = await subscribe('dnd100', w.ports.blf2)
    await cf.waitForMessage('the first NOTIFY of cf100', 5000, (m) => m.method === 'NOTIFY')
    await dnd.waitForMessage('the first NOTIFY of dnd100', 5000, (m) => m.method === 'NOTIFY')
    const lamp = async (blf: typeof cf, name: string, after: number, wanted: string, what: string) => {
      const notify = await blf
        .waitForMessage(`${name} ${wanted}`, 5000, (m) => m.direction === 'received' && m.method === 'NOTIFY' && m.at >= after && dialogState(m.body) === wanted)
        .catch(() => undefined)
      t.ok(notify !== undefined, `${what}: ${name} NOTIFY ${wanted} ${notify ? `${((notify.at - after) / 1000).toFixed(2)} s later` : 'never came'}`)
    }
    const dial = async (code: string) => {
      const c = await call(t, w, { from: '100', to: code, holdMs: 5000, phones: {} })
      t.equal(c.final.status, 200, `${code} is answered`)
      return c.t0
    }

    let at = await dial('*72101')
    t.match(await state(w.db, '100'), { forward_all_enabled: true, forward_all_target: '101' }, '*72101: forward all to 101')
    await lamp(cf, 'cf100', at, 'confirmed', '*72101')
    at = await dial('*73')
    t.match(await state(w.db, '100'), { forward_all_enabled: false, forward_all_target: '101' }, '*73: off, the number kept')
    await lamp(cf, 'cf100', at, 'terminated', '*73')
    at = await dial('*78')
    t.match(await state(w.db, '100'), { do_not_disturb: true }, '*78: DND on')
    await lamp(dnd, 'dnd100', at, 'confirmed', '*78')
    at = await dial('*79')
    t.match(await state(w.db, '100'), { do_not_disturb: false }, '*79: DND off')
    await lamp(dnd, 'dnd100', at, 'terminated', '*79')
    at = Date.now()
    await sql`UPDATE call_forwarding SET do_not_disturb = true WHERE extension_id = ${ext('100')}`.execute(w.db)
    await lamp(dnd, 'dnd100', at, 'confirmed', 'UPDATE in SQL')

    const { rows } = await sql<{ setting: string; new_enabled: boolean; source: string }>`
      SELECT setting, new_enabled, source FROM call_forwarding_changes WHERE extension_id = ${ext('100')} ORDER BY id DESC LIMIT 5`.execute(w.db)
    t.same(rows.reverse().map((r) => `${r.source}:${r.setting}:${r.new_enabled}`), [
      'feature_code:forward_all:true',
      'feature_code:forward_all:false',
      'feature_code:do_not_disturb:true',
      'feature_code:do_not_disturb:false',
      'sql:do_not_disturb:true',
    ], 'each change audited with its source')
    await cf.stop()
    await dnd.stop()
  })
}

const found = findTools()
if ('skip' in found) {
  t.plan(0, found.skip)
} else {
  await suite(found.tools)
}

