/**
 * npm run bench:profile -- <storm|followme|mix> [on|off]: where the service's
 * time goes. Starts the service under `node --cpu-prof` on a generated
 * dataset (BENCH_DATABASE_URL or the embedded PostgreSQL), loads it for
 * BENCH_SECONDS, and prints the functions with the most self time, grouped
 * by file. The profile stays in bench/results/profiles/ (open it in Chrome's
 * DevTools or speedscope for a flame graph).
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { openEmbedded } from '../src/db/embedded.js'
import { createDataset } from './dataset.js'
import type { LoadResult } from './load.js'
import { eachOnce, pinned, printWarnings, startServer } from './processes.js'
import { workload } from './requests.js'

const run = promisify(execFile)
const [name = 'storm', cache = 'off'] = process.argv.slice(2) as ['storm' | 'followme' | 'mix', 'on' | 'off']
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const BUILD = new URL('./', import.meta.url)
const PROFILES = new URL('../../bench/results/profiles/', import.meta.url)

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount: number
}

const work = await mkdtemp(join(tmpdir(), 'ffm-profile-'))
await chmod(work, 0o755)
let serverUrl = process.env.BENCH_DATABASE_URL
const embedded = serverUrl === undefined ? await openEmbedded({ dataDir: join(work, 'db'), port: 5998 }) : undefined
serverUrl ??= embedded?.url as string
try {
  const data = await createDataset(serverUrl, 'ffm_profile', 100, 100)
  const bodies = join(work, 'bodies.jsonl')
  const bodyList = workload(name, data, 10_000).map((l) => l.body)
  await writeFile(bodies, bodyList.map((body) => JSON.stringify(body)).join('\n'))
  await mkdir(PROFILES, { recursive: true })
  const service = await startServer(
    'service',
    ['--cpu-prof', `--cpu-prof-dir=${work}/prof`, join(BUILD.pathname, '../src/server.js')],
    { DATABASE_URL: data.url, PORT: '18190', LOG_LEVEL: process.env.PROFILE_LOG_LEVEL ?? 'info', LOOKUP_CACHE: cache, METRICS_ENABLED: 'true' },
    18190,
    join(work, 'service.log'),
  )
  // A warm cache: every body answered once before the profile's load (a
  // profile of misses is another story; the bench warms the same way).
  if (cache === 'on') {
    await eachOnce(bodyList, 16, async (body) => {
      const res = await fetch(`${service.url}/freeswitch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
      await res.text()
    })
  }
  const [command, args] = pinned(1, process.execPath, [
    join(BUILD.pathname, 'load.js'),
    JSON.stringify({ mode: 'saturate', url: service.url, bodiesFile: bodies, seconds: SECONDS, connections: 16, newConnection: false }),
  ])
  const result = JSON.parse((await run(command, args)).stdout) as LoadResult
  // How many answers came from the cache: a profile of misses is another story.
  const exposition = await (await fetch(`${service.url}/metrics`)).text()
  const sum = (name: string) =>
    exposition.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0)
  const hits = sum('freeswitch_followme_lookup_cache_hits_total')
  const lookups = sum('freeswitch_followme_lookups_total')
  await service.stop()
  // Warnings and errors tell why a cache did not keep answers (its listener lost, say).
  await printWarnings(join(work, 'service.log'))
  const [file = ''] = await readdir(join(work, 'prof'))
  const text = await readFile(join(work, 'prof', file), 'utf8')
  const target = new URL(`${name}-cache-${cache}.cpuprofile`, PROFILES)
  await writeFile(target, text)
  const profile = JSON.parse(text) as { nodes: Node[] }
  const total = profile.nodes.reduce((n, node) => n + node.hitCount, 0)
  const byFunction = new Map<string, number>()
  const byPlace = new Map<string, number>()
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const file = url.replace(/^file:\/\//, '').replace(process.cwd(), '.').replace(/.*node_modules\//, 'node_modules/')
    const place = file === '' ? `(${functionName || 'native'})` : file.startsWith('node_modules/') ? file.split('/').slice(0, 2).join('/') : file
    byFunction.set(`${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`, (byFunction.get(`${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`) ?? 0) + node.hitCount)
    byPlace.set(place, (byPlace.get(place) ?? 0) + node.hitCount)
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
  console.log(`${name}, cache ${cache}: ${Math.round(result.perSecond)} lookups/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; ${hits} of ${lookups} lookups answered from the cache`)
  console.log('self time by place:', ...top(byPlace, 20).map((l) => `\n  ${l}`))
  console.log('self time by function:', ...top(byFunction, 25).map((l) => `\n  ${l}`))
  console.log(`profile: ${target.pathname}`)
} finally {
  await embedded?.close()
  await rm(work, { recursive: true, force: true })
}
