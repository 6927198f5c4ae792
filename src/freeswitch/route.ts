import type { FastifyError, FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import { BudgetExceededError, withinBudget } from '../budget.js'
import type { DB } from '../db/schema.js'
import type { DialplanSettings } from '../dialplan/actions.js'
import { answer } from './answer.js'
import { requireBasicAuth } from './basic-auth.js'
import { parseXmlCurlBody } from './body.js'
import { NOT_FOUND } from './document.js'
import { parseXmlCurlRequest, type XmlCurlRequest } from './request.js'
import { renderDocument } from './xml.js'

export interface FreeswitchRouteOptions {
  db: Kysely<DB>
  dialplan: DialplanSettings
  lookupBudgetMs: number
  basicAuth: { username: string; password: string } | undefined
}

/**
 * The largest body accepted. A dialplan lookup carries every channel
 * variable (about 6 kB from a stock phone); sip_auth about 1 kB.
 */
export const BODY_LIMIT_BYTES = 256 * 1024

/**
 * POST /freeswitch: every mod_xml_curl lookup. A lookup the service cannot
 * answer in time, or whose database call fails, gets a 503 at once:
 * FreeSWITCH then falls back to its static XML (mod_xml_curl.c:296-323,
 * switch_xml.c:1843-1851) instead of blocking its SIP thread.
 */
export const freeswitchRoute: FastifyPluginAsync<FreeswitchRouteOptions> = async (app, options) => {
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

  app.post('/freeswitch', async (req, reply) => {
    if (typeof req.body !== 'string') {
      return reply.code(400).type('text/plain').send('expected an application/x-www-form-urlencoded body\n')
    }
    const parsed = parseXmlCurlBody(req.body)
    const request: XmlCurlRequest = parsed.ok ? parseXmlCurlRequest(parsed.body) : { section: 'refused', reason: parsed.reason }
    if (request.section === 'refused') {
      req.log.warn({ reason: request.reason }, 'lookup refused: not what FreeSWITCH sends; answered not found')
      return reply.type('text/xml; charset=utf-8').send(renderDocument(NOT_FOUND))
    }
    try {
      const ctx = { db: options.db, dialplan: options.dialplan, log: req.log }
      const doc = await withinBudget(answer(ctx, request), options.lookupBudgetMs)
      req.log.debug({ lookup: describe(request), answer: doc.kind }, 'lookup answered')
      return reply.type('text/xml; charset=utf-8').send(renderDocument(doc))
    } catch (err) {
      const reason = err instanceof BudgetExceededError ? 'over budget' : 'failed'
      req.log.error({ lookup: describe(request), err }, `lookup ${reason}; FreeSWITCH falls back to its static XML`)
      return reply.code(503).type('text/plain').send(`lookup ${reason}\n`)
    }
  })
}

/** What a log line may say about a lookup: never a password, hash or PIN. */
function describe(request: Exclude<XmlCurlRequest, { section: 'refused' }>): Record<string, string> {
  if (request.section === 'unsupported') return { section: 'unsupported', reason: request.reason }
  if (request.section === 'dialplan') {
    const d = request.dialplan
    if (d.kind === 'call') return { section: 'dialplan', context: d.context, destination: d.destination, caller: d.caller.kind }
    return { section: 'dialplan', kind: d.kind }
  }
  const d = request.directory
  if (d.kind === 'user') return { section: 'directory', action: d.action, user: d.user, domain: d.domain }
  return { section: 'directory', kind: d.kind }
}
