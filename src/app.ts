import fp from 'fastify-plugin'
import { AnswerCache } from './cache/answer-cache.js'
import { keepCacheFresh } from './cache/invalidation.js'
import type { Config } from './config.js'
import type { Database } from './db/database.js'
import type { Readiness } from './db/readiness.js'
import { dialplanSettings } from './dialplan/settings.js'
import { explainRoute } from './followme/explain-route.js'
import { freeswitchRoute } from './freeswitch/route.js'
import { healthRoute } from './health/route.js'
import { Metrics } from './observability/metrics.js'
import { metricsRoute } from './observability/metrics-route.js'
import { EventSocketNodes } from './presence/nodes.js'
import { presencePlugin } from './presence/plugin.js'
import { statusPlugin, type StatusPluginOptions } from './status/plugin.js'

export interface AppOptions {
  database: Database
  config: Pick<
    Config,
    | 'lookupBudgetMs'
    | 'basicAuth'
    | 'followMe'
    | 'forwarding'
    | 'dialByName'
    | 'explainEnabled'
    | 'eventSockets'
    | 'registrationHistoryHours'
    | 'presenceDefaultDomain'
    | 'metricsEnabled'
    | 'lookupCache'
  >
  /** A read replica for lookups (DATABASE_READ_URL). */
  readDatabase?: Database
  /** Whether the schema is migrated; server.ts keeps it up to date. Default: ready. */
  readiness?: Readiness
  metrics?: Metrics
  /** The status writer's tuning (tests, the benchmark). */
  statusTuning?: StatusPluginOptions['tuning']
}

/**
 * The whole service as a plugin: server.ts and the tests both register it.
 * Not encapsulated (fastify-plugin), so what it decorates (`presence`) is
 * visible to whoever registers it.
 */
export const app = fp<AppOptions>(async (fastify, options) => {
  const { database, config } = options
  const { db } = database
  const readiness = options.readiness ?? { migrated: true }
  const metrics = options.metrics ?? new Metrics()
  const dialplan = dialplanSettings(config.followMe, config.forwarding, config.dialByName)
  const cache = config.lookupCache === undefined ? undefined : new AnswerCache(config.lookupCache.maxEntries)
  if (cache !== undefined) {
    // Off (empty) until the database's change notices are being heard.
    const stop = await keepCacheFresh(database, cache, fastify.log.child({ component: 'cache' }), { replica: options.readDatabase })
    fastify.addHook('onClose', () => stop())
    metrics.observeCache(cache)
  }
  fastify.decorate('lookupCache', cache)
  await fastify.register(freeswitchRoute, {
    database,
    reads: options.readDatabase ?? database,
    readiness,
    dialplan,
    lookupBudgetMs: config.lookupBudgetMs,
    basicAuth: config.basicAuth,
    metrics,
    cache,
  })
  if (config.eventSockets.length > 0) {
    // One connection per FreeSWITCH node, shared by the lamps and the live
    // status; connected once both listen, stopped after both.
    const nodes = new EventSocketNodes(config.eventSockets, fastify.log.child({ component: 'event-socket' }), metrics)
    fastify.addHook('onClose', async () => nodes.stop())
    await fastify.register(presencePlugin, { database, nodes, defaultDomain: config.presenceDefaultDomain, metrics })
    await fastify.register(statusPlugin, {
      database,
      nodes,
      metrics,
      historyHours: config.registrationHistoryHours,
      ...(options.statusTuning !== undefined ? { tuning: options.statusTuning } : {}),
    })
    nodes.start()
  }
  await fastify.register(healthRoute, {
    // The lookup query runs where lookups read.
    database: options.readDatabase ?? database,
    readiness,
    lookupBudgetMs: config.lookupBudgetMs,
    eventSockets: () => fastify.presence?.connections() ?? {},
  })
  if (config.metricsEnabled) await fastify.register(metricsRoute, { metrics, basicAuth: config.basicAuth })
  if (config.explainEnabled) await fastify.register(explainRoute, { db, dialplan, basicAuth: config.basicAuth })
})

declare module 'fastify' {
  interface FastifyInstance {
    lookupCache: AnswerCache | undefined
  }
}
