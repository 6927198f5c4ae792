/**
 * npm run bench: lookups per second and latency over real HTTP, on PGlite
 * and (with BENCH_DATABASE_URL) Postgres. Exits 1 when a target is missed.
 *
 * Targets, 8 concurrent clients, after warm-up, for a REGISTER sip_auth
 * lookup and a Follow Me call's dialplan lookup (FreeSWITCH waits for each in
 * a SIP thread, and the service gives up at LOOKUP_BUDGET_MS, 1500 ms):
 * - p99 latency under 50 ms on Postgres (production), under 100 ms on the
 *   embedded PGlite (one single-threaded session, for trying it out);
 * - at least 100 lookups per second;
 * - heap growth over the measured requests under 32 MiB (no leak per lookup).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import Fastify from 'fastify'
import { sql } from 'kysely'
import { app } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import type { Database } from '../src/db/database.js'
import { seedDemo } from '../src/db/demo.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEmbedded } from '../src/db/embedded.js'
import { openPostgres } from '../src/db/postgres.js'

const ROOT = new URL('../../', import.meta.url)
const MIGRATIONS = fileURLToPath(new URL('migrations/', ROOT))
const fixture = (name: string) => readFileSync(new URL(`test/fixtures/${name}`, ROOT), 'utf8')

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000)
const CONCURRENCY = 8
const P99_TARGET_MS = { postgres: 50, embedded: 50 }
const RPS_TARGET = 100
const HEAP_TARGET_MIB = 32

const DOMAIN = 'pbx.example.com'
const set = (body: string, fields: Record<string, string>) =>
  body
    .split('&')
    .map((p) => {
      const name = p.slice(0, p.indexOf('='))
      return name in fields ? `${name}=${encodeURIComponent(fields[name] as string)}` : p
    })
    .join('&')

const REGISTER = set(fixture('directory-sip_auth-register.txt'), {
  key_value: DOMAIN, domain: DOMAIN, sip_auth_realm: DOMAIN, user: '100', sip_auth_username: '100',
})
const FOLLOW_ME_CALL = set(fixture('dialplan-invite-extension.txt'), {
  'Hunt-Context': DOMAIN, 'Caller-Context': DOMAIN, 'Hunt-Destination-Number': '100', 'Caller-Destination-Number': '100',
  variable_domain_name: DOMAIN, variable_user_name: '101', variable_user_context: DOMAIN,
})

interface Result { name: string; engine: 'postgres' | 'embedded'; rps: number; p50: number; p99: number; heapMiB: number }

/**
 * The load runs in a worker thread, so the client's own work (HTTP, parsing)
 * does not queue on the service's event loop and inflate its latencies.
 */
const LOAD = `
const { parentPort, workerData } = require('node:worker_threads')
const { url, body, requests, concurrency } = workerData
const post = async () => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
  const text = await res.text()
  if (res.status !== 200 || !text.includes('<section name="d')) throw new Error('unexpected answer ' + res.status)
}
;(async () => {
  for (let i = 0; i < 200; i++) await post()
  const latencies = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < requests) { const t0 = performance.now(); await post(); latencies.push(performance.now() - t0) }
  }))
  parentPort.postMessage({ latencies, seconds: (performance.now() - started) / 1000 })
})().catch((err) => { throw err })
`

function runLoad(url: string, body: string): Promise<{ latencies: number[]; seconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD, { eval: true, workerData: { url, body, requests: REQUESTS, concurrency: CONCURRENCY } })
    worker.once('message', (m: { latencies: number[]; seconds: number }) => {
      resolve(m)
      void worker.terminate()
    })
    worker.once('error', reject)
  })
}

async function bench(database: Database): Promise<Result[]> {
  const label = database.engine
  await migrateToLatest(database, MIGRATIONS)
  await sql`truncate domains restart identity cascade`.execute(database.db)
  await seedDemo(database.db, DOMAIN)
  // A realistic table: a few thousand other extensions in other tenants.
  for (let d = 0; d < 20; d++) {
    const { id } = await database.db.insertInto('domains').values({ name: `t${d}.example.com` }).returning('id').executeTakeFirstOrThrow()
    await database.db.insertInto('extensions')
      .values(Array.from({ length: 200 }, (_, i) => ({ domain_id: id, extension: String(1000 + i), sip_password: randomBytes(9).toString('hex') })))
      .execute()
  }

  const fastify = Fastify({ logger: false })
  await fastify.register(app, { database, config: { ...loadConfig({}), lookupBudgetMs: 2000 } })
  const address = await fastify.listen({ host: '127.0.0.1', port: 0 })
  const results: Result[] = []
  try {
    for (const [name, body] of [['directory sip_auth', REGISTER], ['dialplan Follow Me', FOLLOW_ME_CALL]] as const) {
      global.gc?.()
      const heapBefore = process.memoryUsage().heapUsed
      const load = await runLoad(`${address}/freeswitch`, body)
      global.gc?.()
      const latencies = load.latencies.sort((a, b) => a - b)
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number
      results.push({
        name: `${label} ${name}`,
        engine: database.engine,
        rps: Math.round(REQUESTS / load.seconds),
        p50: Number(at(0.5).toFixed(2)),
        p99: Number(at(0.99).toFixed(2)),
        heapMiB: Number(((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(1)),
      })
    }
  } finally {
    await fastify.close()
  }
  return results
}

const results: Result[] = []
const dataDir = await mkdtemp(join(tmpdir(), 'ffm-bench-'))
const embedded = await openEmbedded({ dataDir, port: 5499 })
results.push(...(await bench(embedded)))
await embedded.close()
await rm(dataDir, { recursive: true, force: true })
const url = process.env.BENCH_DATABASE_URL
if (url) {
  const schema = `bench_${process.pid}`
  const admin = openPostgres({ url })
  await sql`create schema ${sql.id(schema)}`.execute(admin.db)
  const pg = openPostgres({ url, searchPath: schema })
  try {
    results.push(...(await bench(pg)))
  } finally {
    await pg.close()
    await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db)
    await admin.close()
  }
}

console.log(
  `${REQUESTS} requests each, ${CONCURRENCY} concurrent clients; targets: p99 < ${P99_TARGET_MS.postgres} ms (Postgres), ` +
    `< ${P99_TARGET_MS.embedded} ms (embedded), >= ${RPS_TARGET} lookups/s, heap growth < ${HEAP_TARGET_MIB} MiB`,
)
console.table(results.map(({ engine: _, ...r }) => r))
const missed = results.filter((r) => r.p99 >= P99_TARGET_MS[r.engine] || r.rps < RPS_TARGET || r.heapMiB >= HEAP_TARGET_MIB)
for (const r of missed) console.error(`target missed: ${r.name} (p99 ${r.p99} ms, ${r.rps}/s, heap +${r.heapMiB} MiB)`)
if (missed.length === 0) console.log('all targets met')
process.exit(missed.length > 0 ? 1 : 0)
