/**
 * End to end, live status: a real FreeSWITCH reports REGISTERs and calls on
 * its event socket; the service's status tables follow. Opt-in, like
 * followme.e2e.ts (source /tmp/fs/ENV.sh && npm run test:e2e), reusing its harness.
 */
import { chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import t, { type Test } from 'tap'
import { migrateToLatest } from '../../src/db/migrate.js'
import { openEmbedded } from '../../src/db/embedded.js'
import type { DB } from '../../src/db/schema.js'
import { FreeSwitch, Sipp, findTools, freePort, freePortRange, makeTempDir, randomPassword, startService, until, type Tools } from './harness.js'

const DOMAIN = '127.0.0.1'
const password = (extension: string) => `e2e-${extension}-pass`

async function statusOf(db: Kysely<DB>, extension: string): Promise<{ status: string; phones: string }> {
  return db.selectFrom('extension_status').select(['status', 'phones']).where('domain', '=', DOMAIN).where('extension', '=', extension).executeTakeFirstOrThrow()
}

async function suite(t: Test, tools: Tools): Promise<void> {
  const dir = await makeTempDir(t)
  // Run as root, the embedded server runs as postgres, which must enter it.
  await chmod(dir, 0o755)
  const database = await openEmbedded({ dataDir: join(dir, 'database'), port: await freePort() })
  t.teardown(() => database.close().catch(() => {}))
  await migrateToLatest(database)
  const db = database.db
  await sql`INSERT INTO domains (name) VALUES (${DOMAIN})`.execute(db)
  for (const extension of ['100', '101']) {
    await sql`INSERT INTO extensions (domain_id, extension, sip_password, ring_timeout_s, voicemail_enabled)
              SELECT id, ${extension}, ${password(extension)}, 10, false FROM domains WHERE name = ${DOMAIN}`.execute(db)
  }
  const eventSocket = { port: await freePort(), password: randomPassword() }
  // The harness's EMBEDDED_DB_PORT 0 fails validation (minimum 1); the service
  // uses the database given here, so any valid port will do.
  const service = await startService(t, { database, eventSocket, logFile: join(dir, 'service.log'), env: { EMBEDDED_DB_PORT: '5433' } })
  const internalSipPort = await freePort()
  const rtp = await freePortRange(200)
  const { freeswitch } = await FreeSwitch.start(t, tools, {
    dir,
    serviceUrl: service.url,
    internalSipPort,
    carrierSipPort: await freePort(),
    eventSocket,
    rtpPorts: { start: rtp, end: rtp + 198 },
  })
  t.teardown(() => {
    if (!t.passing()) t.comment(`FreeSWITCH's log, last lines:\n${freeswitch.logTail(60)}`)
  })
  await until('the service to connect and list the node', 20_000, () => (service.fastify.status?.listedNodes === 1 && !service.fastify.status.listing ? true : undefined))
  const sipp = new Sipp(t, tools, dir)
  const internal = `127.0.0.1:${internalSipPort}`
  const ports = { p100: await freePort(), p101: await freePort(), caller: await freePort() }

  const registration = async (scenario: 'register.xml' | 'unregister.xml', port: number, extension: string) => {
    const run = await sipp.start({ name: `${scenario}-${extension}`, scenario, port, remote: internal, args: ['-s', extension, '-au', extension, '-ap', password(extension)] })
    await run.finish(10_000)
    return run.messages().find((m) => m.direction === 'received' && m.cseqMethod === 'REGISTER' && m.cseq === 2 && (m.status ?? 0) >= 200)?.status
  }

  await t.test('REGISTER: online within 1 s', async (t) => {
    t.equal(await registration('register.xml', ports.p101, '101'), 200)
    const answered = Date.now()
    await until('101 online', 1000, async () => ((await statusOf(db, '101')).status === 'online' ? true : undefined), 20)
    t.ok(Date.now() - answered < 1000, `online ${Date.now() - answered} ms after the 200 reached the phone`)
    t.equal(await registration('register.xml', ports.p100, '100'), 200)
    await until('100 online', 1000, async () => ((await statusOf(db, '100')).status === 'online' ? true : undefined), 20)
    const row = await db.selectFrom('registrations').selectAll().where('network_port', '=', ports.p101).executeTakeFirstOrThrow()
    t.match(row, { profile: 'internal', user_agent: 'e2e-phone', network_ip: '127.0.0.1', transport: 'udp' })
  })

  await t.test('a call: ringing, then in use; back to online after the hangup', async (t) => {
    const phone = await sipp.start({ name: 'p101', scenario: 'phone-answer.xml', vars: { ANSWER_MS: 2000 }, port: ports.p101 })
    const caller = await sipp.start({ name: 'caller100', scenario: 'caller.xml', vars: { HOLD_MS: 2000, DISPLAY: '' }, port: ports.caller, remote: internal, args: ['-s', '101', '-key', 'caller', '100', '-au', '100', '-ap', password('100')] })
    await until('101 ringing', 5000, async () => ((await statusOf(db, '101')).status === 'ringing' ? true : undefined), 20)
    t.pass('101 ringing')
    t.equal((await statusOf(db, '100')).status, 'in use', 'the caller is in use while it dials')
    await until('101 in use', 5000, async () => ((await statusOf(db, '101')).status === 'in use' ? true : undefined), 20)
    t.pass('101 in use once answered')
    await caller.finish(15_000)
    await phone.finish(15_000)
    await until('101 back online', 5000, async () => ((await statusOf(db, '101')).status === 'online' ? true : undefined), 20)
    t.equal((await statusOf(db, '100')).status, 'online')
  })

  await t.test('unREGISTER: offline; the history shows the transitions', async (t) => {
    t.equal(await registration('unregister.xml', ports.p101, '101'), 200)
    await until('101 offline', 1000, async () => ((await statusOf(db, '101')).status === 'offline' ? true : undefined), 20)
    t.pass('offline within 1 s')
    const history = await db
      .selectFrom('registration_events as v')
      .innerJoin('extensions as e', 'e.id', 'v.extension_id')
      .select(['v.kind', 'v.reason'])
      .where('e.extension', '=', '101')
      .orderBy('v.id')
      .execute()
    t.strictSame(history.map((h) => `${h.kind} ${h.reason}`), ['online registered', 'offline unregistered'])
    t.match(await db.selectFrom('extension_flaps').selectAll().where('extension', '=', '101').executeTakeFirstOrThrow(), { transitions: '2', online: '1', offline: '1' })
  })
}

const found = findTools()
if ('skip' in found) {
  t.plan(0, found.skip)
} else {
  await suite(t, found.tools)
}
