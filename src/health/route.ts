import type { FastifyPluginAsync } from 'fastify'
import { sql, type Kysely } from 'kysely'
import { withinBudget } from '../budget.js'
import type { DB } from '../db/schema.js'

export interface HealthRouteOptions {
  db: Kysely<DB>
  lookupBudgetMs: number
}

/** GET /healthz: 200 when the database answers within the lookup budget, else 503. */
export const healthRoute: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  app.get('/healthz', async (req, reply) => {
    try {
      await withinBudget(sql`select 1`.execute(options.db), options.lookupBudgetMs)
      return { status: 'ok' }
    } catch (err) {
      req.log.warn({ err }, 'health check: database unavailable')
      return reply.code(503).send({ status: 'database unavailable' })
    }
  })
}
