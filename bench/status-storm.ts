/**
 * npm run bench:storm: a registration storm against the live status.
 *
 * 10,000 sofia::register events in 10 s (1,000/s), half from each of two
 * fake FreeSWITCH nodes speaking the event socket protocol, every one a new
 * contact (5,000 extensions, one phone on each node: the worst case, each
 * is a row and a history line). Measured: rows written, the time until the
 * last one is in the database, the service's peak RSS, and the latency of
 * directory (sip_auth) lookups at a fixed rate during the storm and without
 * it (lookup cache off, so every lookup reads the database).
 *
 * Three processes, as in production: the service (`node dist/server.js`,
 * ESL_NODES pointing at the two nodes, pinned to core 0), the nodes (this
 * process) and the load generator (bench/load.ts, an open loop at
 * STORM_LOOKUP_RATE lookups/s timed with hrtime, pinned to core 1), so the
 * storm's own cost of sending and the load generator's cannot pass for the
 * service's. BENCH_DATABASE_URL: a Postgres server (a database `ffm_storm`
 * is created there); unset: the embedded PostgreSQL in a temporary directory.
 * STORM_EVENTS (10000), STORM_SECONDS (10), STORM_LOOKUP_RATE (500).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { openEmbedded } from '../src/db/embedded.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { openPostgres } from '../src/db/postgres.js'
import * as esl from '../test/helpers/esl-events.js'
import { FakeEventSocket } from '../test/helpers/fake-event-socket.js'
import type { LoadResult } from './load.js'
import { memoryOf, pinned, printWarnings, startServer, type Server } from './processes.js'
import { sipAuth } from './requests.js'

const EVENTS = Number(process.env.STORM_EVENTS ?? 10_000)
const SECONDS = Number(process.env.STORM_SECONDS ?? 10)
const LOOKUP_RATE = Number(process.env.STORM_LOOKUP_RATE ?? 500)
const PORT = 18110
const BUILD = new URL('./', import.meta.url) // .bench-build/bench/
const run = promisify(execFile)
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
// A database of its own: the service is another process, on DATABASE_URL.
const admin = openPostgres({ url: serverUrl, maxConnections: 1 })
await sql`drop database if exists ffm_storm`.execute(admin.db)
await sql`create database ffm_storm`.execute(admin.db)
const target = new URL(serverUrl)
target.pathname = '/ffm_storm'
const database = openPostgres({ url: target.toString(), maxConnections: 2 })
const fakes = [new FakeEventSocket('ClueCon'), new FakeEventSocket('ClueCon')]
let service: Server | undefined
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

  const env = {
    DATABASE_URL: target.toString(),
    PORT: String(PORT),
    LOG_LEVEL: 'warn',
    LOOKUP_CACHE: 'off',
    PORTAL_PORT: 'off',
    ESL_NODES: fakes.map((f) => `127.0.0.1:${f.port}`).join(','),
    ESL_PASSWORD: 'ClueCon',
  }
  service = await startServer('service', ['--enable-source-maps', join(BUILD.pathname, '../src/server.js')], env, PORT, join(work, 'service.log'))
  // Connected to both nodes once each has been asked for its channels (the resync's last step).
  while (fakes.some((f) => !f.commands.includes('bgapi show channels as json'))) await sleep(20)

  const bodiesFile = join(work, 'lookups.jsonl')
  await writeFile(bodiesFile, Array.from({ length: 500 }, (_, i) => JSON.stringify(sipAuth(DOMAIN, String(1000 + ((i * 97) % EXTENSIONS))))).join('\n'))
  const lookups = async (seconds: number) => {
    const spec = { mode: 'rate', url: `http://127.0.0.1:${PORT}`, bodiesFile, seconds, connections: 16, rate: LOOKUP_RATE, newConnection: false }
    const [command, args] = pinned(1, process.execPath, [join(BUILD.pathname, 'load.js'), JSON.stringify(spec)])
    const { stdout } = await run(command, args, { maxBuffer: 1 << 20 })
    const r = JSON.parse(stdout) as LoadResult
    return { rate: LOOKUP_RATE, requests: r.requests, errors: r.errors + r.non2xx, p50_ms: round2(r.p50Ms), p99_ms: round2(r.p99Ms) }
  }
  const rssBefore = (await memoryOf(service.pid)).rssMiB

  // Warm-up, not measured: the first lookups pay for the JIT and the pool's connections.
  await lookups(3)
  console.log(`storm: baseline, ${SECONDS} s of directory lookups without events`)
  const baseline = await lookups(SECONDS)

  console.log(`storm: ${EVENTS} REGISTERs in ${SECONDS} s from 2 nodes, with the same lookups`)
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
  const memory = await memoryOf(service.pid)
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
    service_rss_mib_before: rssBefore,
    service_peak_rss_mib: memory.peakMiB,
    lookups_without_storm: baseline,
    lookups_during_storm: during,
  }
  // The service's warnings (a failed status write, say) explain slow figures.
  await printWarnings(join(work, 'service.log'))
  console.log(JSON.stringify(result, null, 2))
  await mkdir(RESULTS, { recursive: true })
  await writeFile(new URL('status-storm.json', RESULTS), `${JSON.stringify(result, null, 2)}\n`)
} finally {
  await service?.stop()
  for (const fake of fakes) await fake.stop()
  await database.close()
  await sql`drop database if exists ffm_storm`.execute(admin.db).catch(() => {})
  await admin.close()
  await embedded?.close()
  await rm(work, { recursive: true, force: true })
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
