import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { DialplanSettings } from '../dialplan/actions.js'
import { requireBasicAuth } from '../freeswitch/basic-auth.js'
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'
import { explainCall, explanationJson } from './explain.js'

export interface ExplainRouteOptions {
  db: Kysely<DB>
  dialplan: DialplanSettings
  basicAuth: { username: string; password: string } | undefined
}

/** GET /explain?ext=100&domain=pbx.example.com[&from=101]: what a call would do now (EXPLAIN_ENABLED). */
export const explainRoute: FastifyPluginAsync<ExplainRouteOptions> = async (app, options) => {
  if (options.basicAuth !== undefined) await requireBasicAuth(app, options.basicAuth)
  app.get('/explain', async (req, reply) => {
    const query = req.query as Record<string, unknown>
    const ext = typeof query.ext === 'string' ? query.ext : ''
    const domain = typeof query.domain === 'string' ? query.domain.toLowerCase() : ''
    // A repeated from= arrives as an array: refused, not read as "no caller".
    const from = typeof query.from === 'string' ? query.from : undefined
    const fromOk = query.from === undefined || (from !== undefined && isExtensionNumber(from))
    if (!isExtensionNumber(ext) || !isDomainName(domain) || !fromOk) {
      return reply.code(400).send({ error: 'expected ext=<digits>&domain=<sip domain>[&from=<digits>]' })
    }
    const explanation = await explainCall(options.db, options.dialplan, { extension: ext, domain }, from)
    if (explanation === undefined) return reply.code(404).send({ error: `no enabled domain ${domain}` })
    return explanationJson(explanation)
  })
}
