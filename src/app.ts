import type { FastifyPluginAsync } from 'fastify'
import type { Config } from './config.js'
import type { Database } from './db/database.js'
import { dialplanSettings } from './dialplan/settings.js'
import { explainRoute } from './followme/explain-route.js'
import { freeswitchRoute } from './freeswitch/route.js'
import { healthRoute } from './health/route.js'

export interface AppOptions {
  database: Database
  config: Pick<Config, 'lookupBudgetMs' | 'basicAuth' | 'followMe' | 'explainEnabled'>
}

/** The whole HTTP service as a plugin: server.ts and the tests both register it. */
export const app: FastifyPluginAsync<AppOptions> = async (fastify, { database, config }) => {
  const { db } = database
  const dialplan = dialplanSettings(config.followMe)
  await fastify.register(freeswitchRoute, {
    db,
    dialplan,
    lookupBudgetMs: config.lookupBudgetMs,
    basicAuth: config.basicAuth,
  })
  await fastify.register(healthRoute, { db, lookupBudgetMs: config.lookupBudgetMs })
  if (config.explainEnabled) await fastify.register(explainRoute, { db, dialplan, basicAuth: config.basicAuth })
}
