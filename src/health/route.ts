import type { FastifyPluginAsync } from 'fastify'
import { withinBudget } from '../budget.js'
import type { Readiness } from '../db/readiness.js'
import type { Database } from '../db/database.js'
import { findDirectoryUser } from '../directory/repository.js'

export interface HealthRouteOptions {
  database: Database
  readiness: Readiness
  lookupBudgetMs: number
  /** Event socket connections by node, when there are any. */
  eventSockets: () => Record<string, boolean>
}

/**
 * GET /healthz: the process is up (liveness; never touches the database).
 * GET /readyz: lookups can be answered now (readiness): the schema is
 * migrated and a real directory lookup query, on the tables and locks every
 * REGISTER needs, answers within the lookup budget. `select 1` is not
 * enough: it answered while every lookup waited behind a table lock. The
 * event sockets are reported, not required: lookups never need them.
 */
export const healthRoute: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (req, reply) => {
    const eventSockets = options.eventSockets()
    if (!options.readiness.migrated) return reply.code(503).send({ status: 'not ready', database: 'not migrated', event_sockets: eventSockets })
    const started = Date.now()
    try {
      // A user that cannot exist ('.invalid' is reserved, RFC 2606).
      await withinBudget(findDirectoryUser(options.database, 'readyz.invalid', '0'), options.lookupBudgetMs)
    } catch (err) {
      req.log.warn({ err }, 'readiness: the lookup query did not answer within the budget')
      return reply.code(503).send({ status: 'not ready', database: 'lookup query failed or too slow', event_sockets: eventSockets })
    }
    return { status: 'ready', database: 'ok', lookup_ms: Date.now() - started, event_sockets: eventSockets }
  })
}
