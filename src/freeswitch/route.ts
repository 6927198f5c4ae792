import type { FastifyError, FastifyPluginAsync } from 'fastify'
import { BudgetExceededError, withinBudget } from '../budget.js'
import type { AnswerCache } from '../cache/answer-cache.js'
import type { Readiness } from '../db/readiness.js'
import type { Database } from '../db/database.js'
import type { DialplanSettings } from '../dialplan/actions.js'
import type { LookupResult, Metrics } from '../observability/metrics.js'
import { LogThrottle } from '../observability/throttle.js'
import { answer } from './answer.js'
import { cacheKeyOf } from './cache-key.js'
import { requireBasicAuth } from './basic-auth.js'
import { parseXmlCurlBody } from './body.js'
import { NOT_FOUND, type LookupAnswer } from './document.js'
import { describeLookup } from './describe.js'
import { parseXmlCurlRequest, type XmlCurlRequest } from './request.js'
import { renderDocument } from './xml.js'
import { userEntryOf } from '../directory/user-entry.js'

export interface FreeswitchRouteOptions {
  database: Database
  /** A read replica for lookups; default: `database`. */
  reads: Database
  readiness: Readiness
  dialplan: DialplanSettings
  lookupBudgetMs: number
  basicAuth: { username: string; password: string } | undefined
  metrics: Metrics
  /** Answers kept until their rows change (src/cache); undefined: off. */
  cache: AnswerCache | undefined
}

/**
 * The largest body accepted. A dialplan lookup carries every channel
 * variable (about 6 kB from a stock phone); sip_auth about 1 kB.
 */
export const BODY_LIMIT_BYTES = 256 * 1024

/**
 * POST /freeswitch: every mod_xml_curl lookup, one log line each. A lookup
 * the service cannot answer in time, or whose database call fails, gets a
 * 503 at once: FreeSWITCH then falls back to its static XML
 * (mod_xml_curl.c:296-323, switch_xml.c:1843-1851) instead of blocking its
 * SIP thread.
 */
export const freeswitchRoute: FastifyPluginAsync<FreeswitchRouteOptions> = async (app, options) => {
  const { metrics } = options
  // Only the form mod_xml_curl posts, kept as text: body.ts reads it the way
  // FreeSWITCH writes it. Any other type gets 415.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_req, body, done) =>
    done(null, body),
  )
  // A request refused before the handler (wrong type, too large): a short
  // plain answer saying what is expected.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500
    if (status >= 500) throw err
    req.log.warn({ status, reason: err.code ?? err.message }, 'request refused')
    const message = status === 415 ? 'expected an application/x-www-form-urlencoded body' : err.message
    return reply.code(status).type('text/plain').send(`${message}\n`)
  })
  if (options.basicAuth !== undefined) await requireBasicAuth(app, options.basicAuth)
  // Failures come in floods during an outage: one line a second per kind.
  const throttle = new LogThrottle(1000)

  app.post('/freeswitch', async (req, reply) => {
    const started = process.hrtime.bigint()
    const finish = (section: string, result: LookupResult) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      metrics.lookups.inc({ section, result })
      metrics.lookupSeconds.observe({ section }, seconds)
      return Math.round(seconds * 10_000) / 10
    }
    if (typeof req.body !== 'string') {
      return reply.code(400).type('text/plain').send('expected an application/x-www-form-urlencoded body\n')
    }
    const parsed = parseXmlCurlBody(req.body)
    const request: XmlCurlRequest = parsed.ok ? parseXmlCurlRequest(parsed.body) : { section: 'refused', reason: parsed.reason }
    const lookup = describeLookup(request)
    if (request.section === 'refused') {
      const ms = finish(lookup.section, 'refused')
      req.log.warn({ ...lookup, ms }, 'lookup refused: not what FreeSWITCH sends; answered not found')
      return reply.type('text/xml; charset=utf-8').send(renderDocument(NOT_FOUND))
    }
    if (!options.readiness.migrated) {
      const ms = finish(lookup.section, 'not_ready')
      const logNow = throttle.take('not_ready')
      if (logNow) req.log.warn({ ...lookup, ms, suppressed: logNow.suppressed }, 'lookup refused: database not ready (503)')
      return reply.code(503).type('text/plain').send('database not ready\n')
    }
    const cache = options.cache
    const cacheKey = cache?.enabled ? cacheKeyOf(request) : undefined
    if (cache !== undefined && cacheKey !== undefined) {
      const hit = cache.get(cacheKey.bucket, cacheKey.key)
      if (hit !== undefined) {
        metrics.cacheHits.inc()
        const ms = finish(lookup.section, hit.decision === 'not-found' ? 'not_found' : 'answered')
        req.log.info({ ...lookup, decision: hit.decision, ...(hit.notes.length > 0 ? { notes: hit.notes } : {}), cached: true, ms }, 'lookup')
        const body = typeof hit.body === 'string' ? hit.body : renderDocument({ kind: 'directory-user', user: userEntryOf(hit.body) })
        return reply.type('text/xml; charset=utf-8').send(body)
      }
    }
    // Taken before the rows are read: a change announced meanwhile voids it.
    const ticket = cache !== undefined && cacheKey !== undefined ? cache.ticket(cacheKey.bucket) : undefined
    let answered: LookupAnswer
    try {
      const deadline = Date.now() + options.lookupBudgetMs
      answered = await withinBudget(answer({ database: options.database, reads: options.reads, dialplan: options.dialplan, deadline }, request), options.lookupBudgetMs)
    } catch (err) {
      const overBudget = err instanceof BudgetExceededError
      const ms = finish(lookup.section, overBudget ? 'over_budget' : 'failed')
      if (overBudget) metrics.budgetOverruns.inc()
      else metrics.databaseErrors.inc()
      const logNow = throttle.take(overBudget ? 'over_budget' : 'failed')
      if (logNow) {
        req.log.error({ ...lookup, ms, err, suppressed: logNow.suppressed }, `lookup ${overBudget ? 'over budget' : 'failed'} (503); FreeSWITCH falls back to its static XML`)
      }
      return reply.code(503).type('text/plain').send(`lookup ${overBudget ? 'over budget' : 'failed'}\n`)
    }
    const body = renderDocument(answered.document)
    if (ticket !== undefined && cacheKey !== undefined && answered.cacheable) {
      cache?.set(ticket, cacheKey.key, { body: answered.kept ?? body, decision: answered.decision, notes: answered.notes })
    }
    const ms = finish(lookup.section, answered.document.kind === 'not-found' ? 'not_found' : 'answered')
    req.log.info({ ...lookup, decision: answered.decision, ...(answered.notes.length > 0 ? { notes: answered.notes } : {}), ms }, 'lookup')
    return reply.type('text/xml; charset=utf-8').send(body)
  })
}
