import t from 'tap'
import { Metrics } from '../../src/observability/metrics.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')

/** The value of one sample line of Prometheus' text format. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

eachDatabase(t, async (t, database) => {
  t.test('GET /metrics is not served unless METRICS_ENABLED', async (t) => {
    const app = await buildApp(t, database)
    t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
  })

  t.test('lookups counted by section and result, with their latency', async (t) => {
    const metrics = new Metrics({ processMetrics: false })
    const app = await buildApp(t, database, { metricsEnabled: true }, undefined, { metrics })
    const d = await insertDomain(database.db, '127.0.0.1')
    await insertExtension(database.db, d, '1000', { sip_password: '1234' })
    const post = (payload: string) => app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload })
    await post(REGISTER)
    await post(REGISTER)
    await post(rewrite(REGISTER, { user: '1999' }))
    await post(`${REGISTER}&user=1`)
    await post(fixture('configuration-acl.conf.txt'))
    const res = await app.inject({ method: 'GET', url: '/metrics' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    const text = res.body
    const lookups = 'freeswitch_followme_lookups_total'
    t.equal(sample(text, `${lookups}{section="directory",result="answered"}`), 2)
    t.equal(sample(text, `${lookups}{section="directory",result="not_found"}`), 1)
    t.equal(sample(text, `${lookups}{section="refused",result="refused"}`), 1)
    t.equal(sample(text, `${lookups}{section="unsupported",result="not_found"}`), 1)
    t.equal(sample(text, 'freeswitch_followme_lookup_duration_seconds_count{section="directory"}'), 3)
    t.equal(sample(text, 'freeswitch_followme_database_errors_total'), 0)
    t.equal(sample(text, 'freeswitch_followme_lookup_budget_overruns_total'), 0)
  })

  t.test('behind the same basic auth as /freeswitch', async (t) => {
    const app = await buildApp(t, database, { metricsEnabled: true, basicAuth: { username: 'fs', password: 'pw' } })
    t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401)
    const authorization = `Basic ${Buffer.from('fs:pw').toString('base64')}`
    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization } })
    t.equal(ok.statusCode, 200)
    t.match(ok.body, /freeswitch_followme_process_resident_memory_bytes \d+/, "the process's own metrics too")
  })
})
