/**
 * npm run bench:storm: a registration storm against the live status.
 *
 * 10,000 sofia::register events in 10 s (1,000/s), half from each of two
 * fake FreeSWITCH nodes speaking the event socket protocol, every one a new
 * contact (5,000 extensions, one phone on each node: the worst case, each
 * is a row and a history line). Measured: rows written, the time until the
 * last one is in the database, the process's peak RSS, and the latency of
 * directory (sip_auth) lookups over HTTP during the storm and without it
 * (lookup cache off, so every lookup reads the database).
 *
 * Everything runs in this process (service, fake nodes, load generator),
 * as one service would take both loads. BENCH_DATABASE_URL: a Postgres
 * server; unset: the embedded PostgreSQL in a temporary directory.
 * STORM_EVENTS (10000), STORM_SECONDS (10).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import { sql } from 'kysely'
import { app } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openEmbedded } from '../src/db/embedded.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { openPostgres } from '../src/db/postgres.js'
import * as esl from '../test/helpers/esl-events.js'
import { FakeEventSocket } from '../test/helpers/fake-event-socket.js'
import { sipAuth } from './requests.js'

const EVENTS = Number(process.env.STORM_EVENTS ?? 10_000)
const SECONDS = Number(process.env.STORM_SECONDS ?? 10)
const DOMAIN = 'storm.example.com'
const EXTENSIONS = Math.ceil(EVENTS / 2)
const RESULTS = new URL('../../bench/results/', import.meta.url)

const work = await mkdtemp(join(tmpdir(), 'ffm-storm-'))
await chmod(work, 0o755)
let embedded: Awaited<ReturnType<typeof openEmbedded>> | undefined
let serverUrl = process.env.BENCH_DATABASE_URL
if (serverUrl === undefined) {
  embedded = await openEmbedded({ dataDir: join(work, 'db'), port: 5998 })
  serverUrl = embedded.url
}
const schema = `storm_${process.pid}`
const admin = openPostgres({ url: serverUrl, maxConnections: 1 })
await sql`create schema ${sql.id(schema)}`.execute(admin.db)
const database = openPostgres({ url: serverUrl, searchPath: schema, maxConnections: 10, statementTimeoutMs: 5000 })
const fakes = [new FakeEventSocket('ClueCon'), new FakeEventSocket('ClueCon')]
try {
  await migrateToLatest(database)
  await sql`INSERT INTO domains (name) VALUES (${DOMAIN})`.execute(database.db)
  await sql`INSERT INTO extensions (domain_id, extension, sip_password)
            SELECT d.id, (1000 + g)::text, 'storm password ' || g FROM domains d, generate_series(0, ${EXTENSIONS - 1}) g`.execute(database.db)
  for (const [i, fake] of fakes.entries()) {
    fake.switchname = `fs${i + 1}`
    fake.api.set('sofia xmlstatus', esl.xmlstatusProfiles({ switchname: fake.switchname, coreUuid: fake.coreUuid }))
    fake.api.set('sofia xmlstatus profile internal reg', esl.xmlstatusRegistrations({ switchname: fake.switchname, coreUuid: fake.coreUuid }, []))
    fake.api.set('show channels as json', esl.showChannels([]))
    await fake.start()
  }

  const config = {
    ...loadConfig({ LOG_LEVEL: 'warn' }),
    lookupCache: undefined,
    eventSockets: fakes.map((f) => ({ host: '127.0.0.1', port: f.port, password: 'ClueCon' })),
  }
  const fastify = Fastify({ logger: { level: 'warn' } })
  await fastify.register(app, { database, config })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}/freeswitch`
  while (!fastify.status || fastify.status.listing || fakes.some((f) => !f.commands.includes('bgapi show channels as json'))) await sleep(20)

  const lookups = async (seconds: number) => {
    const result = await autocannon({
      url,
      method: 'POST',
      connections: 4,
      duration: seconds,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requests: Array.from({ length: 50 }, (_, i) => ({ body: sipAuth(DOMAIN, String(1000 + ((i * 97) % EXTENSIONS))) })),
    })
    return { requests: result.requests.total, errors: result.errors + result.non2xx, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max }
  }

  console.log(`storm: baseline, ${SECONDS} s of directory lookups without events`)
  const baseline = await lookups(SECONDS)

  console.log(`storm: ${EVENTS} REGISTERs in ${SECONDS} s from 2 nodes, with the same lookups`)
  let peakRss = process.memoryUsage().rss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)
  const started = Date.now()
  const storm = (async () => {
    const perTick = Math.max(1, Math.round(EVENTS / (SECONDS * 20)))
    for (let sent = 0; sent < EVENTS; ) {
      const tickStart = Date.now()
      for (let k = 0; k < perTick && sent < EVENTS; k++, sent++) {
        const fake = fakes[sent % 2] as FakeEventSocket
        const ext = String(1000 + Math.floor(sent / 2))
        fake.emit(
          esl.register(
            { switchname: fake.switchname, coreUuid: fake.coreUuid },
            { extension: ext, domain: DOMAIN, callId: `storm-${sent}@198.51.100.1`, ip: '198.51.100.1', port: String(10_000 + (sent % 50_000)), userAgent: `Storm phone ${sent % 7}` },
          ),
        )
      }
      await sleep(Math.max(0, 50 - (Date.now() - tickStart)))
    }
    const sentMs = Date.now() - started
    let rows = 0
    while (rows < EVENTS) {
      rows = Number((await sql<{ n: string }>`select count(*) as n from registrations`.execute(database.db)).rows[0]?.n ?? 0)
      if (Date.now() - started > 120_000) break
      await sleep(25)
    }
    return { sentMs, writtenMs: Date.now() - started }
  })()
  const during = await lookups(SECONDS)
  const timing = await storm
  clearInterval(sampler)
  const counts = (await sql<{ registrations: string; events: string }>`
    select (select count(*) from registrations) as registrations, (select count(*) from registration_events) as events`.execute(database.db)).rows[0]

  const result = {
    at: new Date().toISOString(),
    database: embedded === undefined ? 'postgres (BENCH_DATABASE_URL)' : 'embedded PostgreSQL 18',
    events: EVENTS,
    nodes: 2,
    sent_in_ms: timing.sentMs,
    all_rows_written_in_ms: timing.writtenMs,
    registrations_rows: Number(counts?.registrations ?? 0),
    registration_events_rows: Number(counts?.events ?? 0),
    peak_rss_mib: Math.round(peakRss / 1048576),
    lookups_without_storm: baseline,
    lookups_during_storm: during,
  }
  console.log(JSON.stringify(result, null, 2))
  await mkdir(RESULTS, { recursive: true })
  await writeFile(new URL('status-storm.json', RESULTS), `${JSON.stringify(result, null, 2)}\n`)
  await fastify.close()
} finally {
  for (const fake of fakes) await fake.stop()
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db).catch(() => {})
  await admin.close()
  await database.close()
  await embedded?.close()
  await rm(work, { recursive: true, force: true })
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
