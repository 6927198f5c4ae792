import formbody from '@fastify/formbody'
import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import { BudgetExceededError, withinBudget } from '../budget.js'
import type { DB } from '../db/schema.js'
import type { DialplanSettings } from '../dialplan/actions.js'
import { answer } from './answer.js'
import { requireBasicAuth } from './basic-auth.js'
import { isFormBody } from './fields.js'
import { parseXmlCurlRequest, type XmlCurlRequest } from './request.js'
import { renderDocument } from './xml.js'

export interface FreeswitchRouteOptions {
  db: Kysely<DB>
  dialplan: DialplanSettings
  lookupBudgetMs: number
  basicAuth: { username: string; password: string } | undefined
}

/**
 * POST /freeswitch: every mod_xml_curl lookup. A lookup the service cannot
 * answer in time, or whose database call fails, gets a 503 at once:
 * FreeSWITCH then falls back to its static XML (mod_xml_curl.c:296-323,
 * switch_xml.c:1843-1851) instead of blocking its SIP thread.
 */
export const freeswitchRoute: FastifyPluginAsync<FreeswitchRouteOptions> = async (app, options) => {
  await app.register(formbody)
  if (options.basicAuth !== undefined) await requireBasicAuth(app, options.basicAuth)

  app.post('/freeswitch', async (req, reply) => {
    if (!isFormBody(req.body)) {
      return reply.code(400).type('text/plain').send('expected an application/x-www-form-urlencoded body\n')
    }
    const request = parseXmlCurlRequest(req.body)
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
function describe(request: XmlCurlRequest): Record<string, string> {
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
