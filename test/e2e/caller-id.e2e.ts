/**
 * End to end: caller ID and dial-by-name on a real FreeSWITCH (issue 14).
 * The service (in this process, on an embedded PostgreSQL) answers through
 * mod_xml_curl, sipp plays the phones, the rows are written with SQL first.
 * Opt-in, like followme.e2e.ts:
 *
 *   FREESWITCH_BIN=/usr/local/freeswitch/bin/freeswitch npm run test:e2e
 *
 * What a phone shows is read from the INVITE it really received (sipp's
 * message trace): the From display name and Remote-Party-ID (sofia's
 * default caller-id-type, facts §14) or P-Asserted-Identity. Dial-by-name
 * needs mod_directory in FREESWITCH_MOD_DIR; without it that case skips.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { parseXmlCurlBody } from '../../src/freeswitch/body.js'
import { findTools, type SipMessage, type Tools } from './harness.js'
import { Rfc2833Stream } from './rfc2833.js'
import { DOMAIN, PHONES, answers, call, fmt, password, register, rings, setUp, type Phone, type World } from './world.js'

const PREFIX = 'SALES#'
const DID = '15550142'
const CARRIER_NAME = 'Alice Carrier'
const CARRIER_NUMBER = '+15550001111'
const INSIDE_NAME = 'Carol Inside'

const ext = (extension: string) =>
  sql`(SELECT e.id FROM extensions e JOIN domains d ON d.id = e.domain_id WHERE d.name = ${DOMAIN} AND e.extension = ${extension})`

/** The display name and user of a From / Remote-Party-ID / P-Asserted-Identity value. */
function identity(value: string | undefined): { display: string | undefined; user: string | undefined } | undefined {
  if (value === undefined) return undefined
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<sips?:([^@>;]*)@/.exec(value)
  if (m === null) return { display: undefined, user: undefined }
  const display = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] === '' ? undefined : m[2]
  return { display, user: m[3] }
}

function receivedInvite(messages: SipMessage[] | undefined): SipMessage | undefined {
  return messages?.find((m) => m.direction === 'received' && m.method === 'INVITE')
}

/** The headers that carry the caller's identity to the phone, as FreeSWITCH sent them. */
function shown(t: Test, invite: SipMessage | undefined, what: string) {
  const from = invite?.header('From')
  const rpid = invite?.header('Remote-Party-ID')
  const pai = invite?.header('P-Asserted-Identity')
  t.comment(`${what}: From: ${from ?? '(none)'}`)
  t.comment(`${what}: Remote-Party-ID: ${rpid ?? '(none)'}`)
  if (pai !== undefined) t.comment(`${what}: P-Asserted-Identity: ${pai}`)
  return { from: identity(from), party: identity(rpid ?? pai) }
}

/** The service's log lines (pino JSON) with msg "lookup". */
async function lookups(w: World): Promise<Array<Record<string, unknown>>> {
  const log = await readFile(join(w.dir, 'service.log'), 'utf8').catch(() => '')
  return log
    .split('\n')
    .filter((line) => line.includes('"msg":"lookup"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

async function suite(tools: Tools): Promise<void> {
  const w = await setUp(t, tools)
  await sql`UPDATE extensions SET inbound_caller_id_prefix = ${PREFIX} WHERE id = ${ext('100')}`.execute(w.db)
  await sql`UPDATE extensions SET display_name = ${INSIDE_NAME} WHERE id = ${ext('103')}`.execute(w.db)
  await sql`
    INSERT INTO dids (number, domain_id, extension_id)
    SELECT ${DID}, d.id, e.id FROM extensions e JOIN domains d ON d.id = e.domain_id
     WHERE d.name = ${DOMAIN} AND e.extension = '100'`.execute(w.db)

  await t.test('the phones register', async (t) => {
    for (const [phone, extension] of Object.entries(PHONES) as Array<[Phone, string]>) {
      t.equal(await register(w, phone, w.ports[phone], extension, password(extension)), 200, `${phone} registers as ${extension}`)
    }
  })

  await t.test('a carrier call to a DID shows the prefix before the caller name on the phone', async (t) => {
    const c = await call(t, w, { from: 'carrier', to: DID, number: CARRIER_NUMBER, display: CARRIER_NAME, holdMs: 500, phones: { p100: answers(300) } })
    const invite = receivedInvite(c.phones.get('p100'))
    t.ok(invite !== undefined, `100's phone got the INVITE at ${fmt(c.invited('p100'))}`)
    const { from, party } = shown(t, invite, "100's phone")
    t.equal(from?.display, `${PREFIX}${CARRIER_NAME}`, 'From display name: the prefix, then the caller name')
    t.equal(from?.user, CARRIER_NUMBER, "From user: the caller's number")
    t.equal(party?.display, `${PREFIX}${CARRIER_NAME}`, 'Remote-Party-ID / P-Asserted-Identity: the same name')
    t.equal(party?.user, CARRIER_NUMBER, 'Remote-Party-ID / P-Asserted-Identity: the same number')
    t.equal(c.final.status, 200, 'the carrier is connected')
  })

  await t.test('an internal call to the same extension shows no prefix', async (t) => {
    const c = await call(t, w, { from: '103', to: '100', holdMs: 500, phones: { p100: answers(300) } })
    const invite = receivedInvite(c.phones.get('p100'))
    t.ok(invite !== undefined, `100's phone got the INVITE at ${fmt(c.invited('p100'))}`)
    const { from, party } = shown(t, invite, "100's phone")
    t.equal(from?.display, INSIDE_NAME, "From display name: 103's display_name, no prefix")
    t.equal(from?.user, '103', 'From user: the extension')
    t.equal(party?.display, INSIDE_NAME, 'Remote-Party-ID / P-Asserted-Identity: no prefix either')
    t.equal(c.final.status, 200, 'the caller is connected')
  })

  const noDirectory = tools.optional.has('mod_directory') ? false : `mod_directory is not in ${tools.modDir}: dial-by-name not checked`
  await t.test('dial-by-name: *411, the last name on the keypad, 1: the call goes to that extension', { skip: noDirectory }, async (t) => {
    // 101 is found by its directory name overrides (display_name stays "Ext 101"),
    // 102 is another last name; 100's "Ext 100" has no letters to match.
    await sql`UPDATE extensions SET directory_first_name = 'Bob', directory_last_name = 'Smith' WHERE id = ${ext('101')}`.execute(w.db)
    await sql`UPDATE extensions SET display_name = 'Carl Jones' WHERE id = ${ext('102')}`.execute(w.db)
    const keys = new Rfc2833Stream()
    const search = join(w.dir, 'dial-by-name-search.pcap')
    const select = join(w.dir, 'dial-by-name-select.pcap')
    await keys.write(search, '764#') // S-M-I on the keypad, then the terminator
    await keys.write(select, '1') // select-name-key: this one
    const searchAfterMs = 1500
    const selectAfterMs = 2500
    const requestsBefore = w.requests.length
    const lookupsBefore = (await lookups(w)).length
    const c = await call(t, w, {
      from: '103',
      to: '*411',
      holdMs: 4000,
      phones: { p100: rings(), p101a: rings(), p101b: rings(), p102a: rings() },
      caller: { scenario: 'caller-dtmf.xml', vars: { FIRST_MS: searchAfterMs, FIRST_PCAP: search, SECOND_MS: selectAfterMs, SECOND_PCAP: select } },
    })
    t.equal(c.final.status, 200, `*411 is answered at ${fmt(c.final.at)}`)

    // mod_directory's one domain lookup reached the service (facts §13).
    const listing = w.requests.slice(requestsBefore).find((body) => body.includes('&Event-Calling-Function=populate_database&'))
    t.ok(listing !== undefined, 'the service got mod_directory\'s populate_database lookup')
    if (listing !== undefined) {
      await writeFile(join(w.dir, 'directory-populate_database.txt'), listing)
      const parsed = parseXmlCurlBody(listing)
      t.ok(parsed.ok, 'its body parses')
      if (parsed.ok) {
        const { body } = parsed
        t.same([body.section, body.tagName, body.keyName, body.keyValue], ['directory', 'domain', 'name', DOMAIN], 'a domain lookup of the tenant')
        t.equal(body.fields.get('Event-Calling-File'), 'mod_directory.c')
        t.same(['action', 'purpose', 'user', 'domain'].filter((f) => body.fields.get(f) !== undefined), [], 'no action, purpose, user or domain field')
      }
    }
    const seen = (await lookups(w)).slice(lookupsBefore).map((l) => `${String(l.section)} ${String(l.action ?? l.context)} ${String(l.user ?? l.destination)}`)
    t.comment(`lookups the service answered: ${seen.join('; ')}`)
    t.ok(seen.includes(`directory directory-listing *@${DOMAIN}`), 'the service answered it as the directory listing')
    t.ok(seen.includes(`dialplan ${DOMAIN} 101`), "mod_directory's transfer: a dialplan lookup of 101 in the tenant's context")

    const fsLog = await readFile(join(w.dir, 'log', 'freeswitch.log'), 'utf8').catch(() => '')
    const transfer = /Directory transfering call to : (\S+)/.exec(fsLog)
    t.equal(transfer?.[1], '101', 'mod_directory transferred the call to 101 (its log)')

    const answeredAt = c.final.at ?? Number.NaN
    const pressedAt = answeredAt + (searchAfterMs + selectAfterMs) / 1000
    for (const phone of ['p101a', 'p101b'] as const) {
      const at = c.invited(phone)
      t.ok(at !== undefined && at >= pressedAt - 0.3, `${phone} rang at ${fmt(at)}, after 1 was pressed (about ${fmt(pressedAt)})`)
    }
    t.equal(c.invited('p100'), undefined, '100 never rang')
    t.equal(c.invited('p102a'), undefined, '102 (Jones) never rang')
  })
}

const found = findTools()
if ('skip' in found) {
  t.plan(0, found.skip)
} else {
  await suite(found.tools)
}
