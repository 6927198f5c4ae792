/**
 * The load generator, in a process of its own (run.ts pins it to another
 * core than the server's). argv[2]: a JSON LoadSpec; stdout: a JSON LoadResult.
 *
 * - saturate: `connections` connections sending as fast as answers come
 *   back, for `seconds`: throughput at saturation (autocannon for
 *   keep-alive; a loop of its own for a new connection per request, which
 *   autocannon does not do).
 * - rate: an open loop at `rate` requests/s for `seconds`, each request's
 *   latency measured here with process.hrtime (autocannon's histogram
 *   counts whole milliseconds): p50/p99 at a fixed load.
 * `newConnection`: every request on a new TCP connection, as mod_xml_curl
 * does (it opens one per lookup).
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import autocannon from 'autocannon'

export interface LoadSpec {
  mode: 'saturate' | 'rate'
  url: string
  /** A file of JSON lines, each one request body. */
  bodiesFile: string
  seconds: number
  connections: number
  rate?: number
  newConnection: boolean
}

export interface LoadResult {
  requests: number
  perSecond: number
  p50Ms: number
  p99Ms: number
  errors: number
  non2xx: number
}

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded' }

async function saturate(spec: LoadSpec, bodies: string[]): Promise<LoadResult> {
  if (spec.newConnection) return saturateNewConnections(spec, bodies)
  const requests = bodies.map((body) => ({ method: 'POST' as const, path: '/freeswitch', headers: HEADERS, body }))
  let clients = 0
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    requests,
    // Each connection starts at its own place in the list. autocannon
    // starts every connection at the first request, so all of them asked
    // for the same user at the same moment: the cache missed each key up
    // to `connections` times at once (half the lookups, measured), which a
    // storm of different phones never does.
    setupClient: (client) => {
      const offset = Math.floor((clients++ * requests.length) / spec.connections)
      client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)])
    },
  })
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / spec.seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  }
}

/** `connections` loops, each sending its next request on a new connection as soon as the last was answered. */
async function saturateNewConnections(spec: LoadSpec, bodies: string[]): Promise<LoadResult> {
  const { hostname, port } = new URL(spec.url)
  const latencies: number[] = []
  let errors = 0
  let non2xx = 0
  let next = 0
  const end = Date.now() + spec.seconds * 1000
  const loop = async () => {
    while (Date.now() < end) {
      const body = bodies[next++ % bodies.length] ?? ''
      const sent = process.hrtime.bigint()
      await new Promise<void>((resolve) => {
        const req = http.request({ hostname, port, path: '/freeswitch', method: 'POST', headers: { ...HEADERS, 'content-length': Buffer.byteLength(body) }, agent: false }, (res) => {
          res.resume()
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - sent) / 1e6)
            if ((res.statusCode ?? 0) >= 300) non2xx++
            resolve()
          })
        })
        req.on('error', () => {
          errors++
          resolve()
        })
        req.end(body)
      })
    }
  }
  await Promise.all(Array.from({ length: spec.connections }, loop))
  return { requests: latencies.length, perSecond: latencies.length / spec.seconds, ...percentiles(latencies), errors, non2xx }
}

function percentiles(latencies: number[]): { p50Ms: number; p99Ms: number } {
  latencies.sort((a, b) => a - b)
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN
  return { p50Ms: at(0.5), p99Ms: at(0.99) }
}

async function atRate(spec: LoadSpec, bodies: string[]): Promise<LoadResult> {
  const rate = spec.rate ?? 500
  const agent = spec.newConnection ? false : new http.Agent({ keepAlive: true, maxSockets: spec.connections })
  const { hostname, port } = new URL(spec.url)
  const latencies: number[] = []
  let errors = 0
  let non2xx = 0
  const total = Math.round(rate * spec.seconds)
  const started = process.hrtime.bigint()
  const inFlight: Array<Promise<void>> = []
  for (let i = 0; i < total; i++) {
    // Open loop: request i leaves at i/rate seconds, whatever the answers do.
    const due = started + BigInt(Math.round((i / rate) * 1e9))
    const wait = Number(due - process.hrtime.bigint()) / 1e6
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const body = bodies[i % bodies.length] ?? ''
    const sent = process.hrtime.bigint()
    inFlight.push(
      new Promise<void>((resolve) => {
        const req = http.request({ hostname, port, path: '/freeswitch', method: 'POST', headers: { ...HEADERS, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
          res.resume()
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - sent) / 1e6)
            if ((res.statusCode ?? 0) >= 300) non2xx++
            resolve()
          })
        })
        req.on('error', () => {
          errors++
          resolve()
        })
        req.end(body)
      }),
    )
  }
  await Promise.all(inFlight)
  if (agent) agent.destroy()
  return { requests: latencies.length, perSecond: rate, ...percentiles(latencies), errors, non2xx }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
const bodies = readFileSync(spec.bodiesFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string)
const result = spec.mode === 'saturate' ? await saturate(spec, bodies) : await atRate(spec, bodies)
process.stdout.write(`${JSON.stringify(result)}\n`)
