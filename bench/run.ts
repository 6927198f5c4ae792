/**
 * npm run bench: the service against the machine's ceiling, side by side.
 *
 * One run: generate the tenants (bench/dataset.ts), build the workloads from
 * captured FreeSWITCH bodies (bench/requests.ts), start three servers pinned
 * to core 0 (the ceiling: the same Fastify answering the same bytes with no
 * lookup; the service with its answer cache off; with it on), and drive each
 * in turn, alternating, from a load generator pinned to core 1. Postgres
 * runs on the same machine (both cores). Prints a table of ratios to the
 * ceiling, writes bench/results/latest.json and latest.svg.
 *
 * BENCH_DATABASE_URL: a Postgres server (a database `ffm_bench` is created
 * there); unset: the embedded PostgreSQL in a temporary directory.
 * BENCH_DOMAINS (1000), BENCH_PER_DOMAIN (100), BENCH_SECONDS (5), BENCH_ROUNDS (3).
 * BENCH_ONLY=memory: only the memory figure (no throughput rows), written to
 * bench/results/memory.json: minutes instead of half an hour.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { openEmbedded } from '../src/db/embedded.js'
import { barChart } from './chart.js'
import { createDataset, domainName, FIRST_EXTENSION } from './dataset.js'
import type { LoadResult, LoadSpec } from './load.js'
import { eachOnce, memoryOf, pinned, startServer, type Server } from './processes.js'
import { sipAuth, workload, type Lookup } from './requests.js'

const run = promisify(execFile)
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const DOMAINS = env('BENCH_DOMAINS', 1000)
const PER_DOMAIN = env('BENCH_PER_DOMAIN', 100)
const SECONDS = env('BENCH_SECONDS', 5)
const ROUNDS = env('BENCH_ROUNDS', 3)
const MEMORY_ONLY = process.env.BENCH_ONLY === 'memory'
const CONNECTIONS = 16
const RATES = [500, 1000]
const BUILD = new URL('./', import.meta.url) // .bench-build/bench/
const RESULTS = new URL('../../bench/results/', import.meta.url)

const work = await mkdtemp(join(tmpdir(), 'ffm-bench-'))
await chmod(work, 0o755) // the embedded server's account (postgres, when we are root) enters it
let embedded: Awaited<ReturnType<typeof openEmbedded>> | undefined
let serverUrl = process.env.BENCH_DATABASE_URL
if (serverUrl === undefined) {
  embedded = await openEmbedded({ dataDir: join(work, 'db'), port: 5999 })
  serverUrl = embedded.url
}
const servers: Server[] = []
try {
  console.log(`bench: generating ${DOMAINS} tenants x ${PER_DOMAIN} extensions`)
  const data = await createDataset(serverUrl, 'ffm_bench', DOMAINS, PER_DOMAIN)
  const workloads: Record<string, Lookup[]> = {
    storm: workload('storm', data, 20_000, 1),
    followme: workload('followme', data, 5_000, 2),
    mix: workload('mix', data, 20_000, 3),
  }
  const files: Record<string, string> = {}
  for (const [name, lookups] of Object.entries(workloads)) {
    files[name] = join(work, `${name}.jsonl`)
    await writeFile(files[name] as string, lookups.map((l) => JSON.stringify(l.body)).join('\n'))
  }

  const server = join(BUILD.pathname, '../src/server.js')
  const service = (name: string, cache: 'on' | 'off', port: number) =>
    startServer(name, ['--enable-source-maps', server], { DATABASE_URL: data.url, PORT: String(port), LOG_LEVEL: 'info', LOOKUP_CACHE: cache }, port, join(work, `${name}.log`))
  const off = await service('cache off', 'off', 18101)
  servers.push(off)
  const on = await service('cache on', 'on', 18102)
  servers.push(on)

  // The ceiling answers each body with what the service answered it. The
  // cached service sees every body once too, so its rows measure a warm
  // cache (a timed warm-up reached only the bodies it had time for: at a
  // cache miss's pace, a quarter of the Follow Me calls).
  console.log('bench: recording the answers for the ceiling, warming the cache')
  const post = (url: string, body: string) =>
    fetch(`${url}/freeswitch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
  const bodies = Object.values(workloads).flatMap((lookups) => lookups.map((l) => l.body))
  const answers: string[] = new Array<string>(bodies.length)
  await eachOnce(bodies, CONNECTIONS, async (body, i) => {
    const [recorded, warmed] = await Promise.all([post(off.url, body), post(on.url, body)])
    answers[i] = JSON.stringify([body, recorded.status, await recorded.text()])
    await warmed.text()
  })
  await writeFile(join(work, 'answers.jsonl'), answers.join('\n'))
  const ceiling = await startServer('ceiling', ['--enable-source-maps', join(BUILD.pathname, 'ceiling.js'), '18100', join(work, 'answers.jsonl')], {}, 18100, join(work, 'ceiling.log'))
  servers.push(ceiling)

  const load = async (spec: Omit<LoadSpec, 'bodiesFile'> & { workload: string }): Promise<LoadResult> => {
    const { workload: name, ...rest } = spec
    const [command, args] = pinned(1, process.execPath, [join(BUILD.pathname, 'load.js'), JSON.stringify({ ...rest, bodiesFile: files[name] })])
    const { stdout } = await run(command, args, { maxBuffer: 1 << 20 })
    return JSON.parse(stdout) as LoadResult
  }

  const rows: Row[] = []
  for (const name of MEMORY_ONLY ? [] : Object.keys(workloads)) {
    for (const newConnection of [false, true]) {
      const samples = new Map<string, number[]>()
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of [ceiling, off, on]) {
          const r = await load({ mode: 'saturate', url: s.url, workload: name, seconds: SECONDS, connections: CONNECTIONS, newConnection })
          if (r.errors > 0 || r.non2xx > 0) console.log(`bench: ${s.name} ${name}: ${r.errors} errors, ${r.non2xx} non-2xx`)
          samples.set(s.name, [...(samples.get(s.name) ?? []), r.perSecond])
        }
      }
      const latency = new Map<string, Record<number, LoadResult>>()
      for (const rate of RATES) {
        for (const s of [ceiling, off, on]) {
          const r = await load({ mode: 'rate', url: s.url, workload: name, seconds: SECONDS, connections: CONNECTIONS, rate, newConnection })
          latency.set(s.name, { ...(latency.get(s.name) ?? {}), [rate]: r })
        }
      }
      const top = median(samples.get('ceiling') ?? [])
      for (const s of [ceiling, off, on]) {
        const perSecond = median(samples.get(s.name) ?? [])
        const l = latency.get(s.name) ?? {}
        rows.push({
          workload: name,
          connection: newConnection ? 'new' : 'keep-alive',
          server: s.name,
          perSecond: Math.round(perSecond),
          ratio: Math.round((perSecond / top) * 1000) / 10,
          p50At500: round2(l[500]?.p50Ms),
          p99At500: round2(l[500]?.p99Ms),
          p50At1000: round2(l[1000]?.p50Ms),
          p99At1000: round2(l[1000]?.p99Ms),
        })
      }
      console.table(rows.filter((r) => r.workload === name && r.connection === (newConnection ? 'new' : 'keep-alive')))
    }
  }

  // Memory: every extension's REGISTER answered once more by the cached service.
  // Each body once, every answer awaited: all of them are cached, however
  // slow the machine is (a timed load reached only those it had time for).
  const everyone: string[] = []
  for (let d = 1; d <= DOMAINS; d++) for (let e = 0; e < PER_DOMAIN; e++) everyone.push(sipAuth(domainName(d), String(FIRST_EXTENSION + e)))
  await eachOnce(everyone, CONNECTIONS, async (body) => {
    const res = await post(on.url, body)
    if (res.status !== 200) throw new Error(`the cached service answered a REGISTER with ${res.status}`)
    await res.text()
  })
  const memory = { extensions: everyone.length, ...(await memoryOf(on.pid)), ceiling: await memoryOf(ceiling.pid) }
  console.log(`bench: with ${everyone.length} extensions' answers cached: RSS ${memory.rssMiB} MiB, peak ${memory.peakMiB} MiB (ceiling ${memory.ceiling.rssMiB} MiB)`)

  const result = { date: new Date().toISOString(), domains: DOMAINS, perDomain: PER_DOMAIN, seconds: SECONDS, rounds: ROUNDS, database: embedded ? 'embedded PostgreSQL' : 'BENCH_DATABASE_URL', rows, memory }
  await mkdir(RESULTS, { recursive: true })
  if (MEMORY_ONLY) {
    await writeFile(new URL('memory.json', RESULTS), `${JSON.stringify(result, null, 2)}\n`)
    console.log('bench: wrote bench/results/memory.json')
  } else {
    await writeFile(new URL('latest.json', RESULTS), `${JSON.stringify(result, null, 2)}\n`)
    await writeFile(new URL('latest.svg', RESULTS), barChart(rows))
    console.log('bench: wrote bench/results/latest.json and latest.svg')
  }
} finally {
  for (const s of servers) await s.stop().catch(() => {})
  await embedded?.close()
  await rm(work, { recursive: true, force: true })
}

export interface Row {
  workload: string
  connection: 'keep-alive' | 'new'
  server: string
  perSecond: number
  /** Percent of the ceiling's throughput. */
  ratio: number
  p50At500: number
  p99At500: number
  p50At1000: number
  p99At1000: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

function round2(value: number | undefined): number {
  return value === undefined ? Number.NaN : Math.round(value * 100) / 100
}
