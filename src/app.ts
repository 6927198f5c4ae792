import fp from 'fastify-plugin'
import type { Config } from './config.js'
import type { Database } from './db/database.js'
import { dialplanSettings } from './dialplan/settings.js'
import { explainRoute } from './followme/explain-route.js'
import { freeswitchRoute } from './freeswitch/route.js'
import { healthRoute } from './health/route.js'
import { presencePlugin } from './presence/plugin.js'

export interface AppOptions {
  database: Database
  config: Pick<Config, 'lookupBudgetMs' | 'basicAuth' | 'followMe' | 'explainEnabled' | 'eventSocket' | 'presenceDefaultDomain'>
}

/**
 * The whole service as a plugin: server.ts and the tests both register it.
 * Not encapsulated (fastify-plugin), so what it decorates (`presence`) is
 * visible to whoever registers it.
 */
export const app = fp<AppOptions>(async (fastify, { database, config }) => {
  const { db } = database
  const dialplan = dialplanSettings(config.followMe)
  await fastify.register(freeswitchRoute, {
    db,
    dialplan,
    lookupBudgetMs: config.lookupBudgetMs,
    basicAuth: config.basicAuth,
  })
  await fastify.register(healthRoute, { db, lookupBudgetMs: config.lookupBudgetMs })
  if (config.eventSocket !== undefined) {
    await fastify.register(presencePlugin, { database, eventSocket: config.eventSocket, defaultDomain: config.presenceDefaultDomain })
  }
  if (config.explainEnabled) await fastify.register(explainRoute, { db, dialplan, basicAuth: config.basicAuth })
})
