import fp from 'fastify-plugin'
import type { Database } from '../db/database.js'
import type { Metrics } from '../observability/metrics.js'
import type { EventSocketNodes } from '../presence/nodes.js'
import { StatusService, type StatusOptions } from './service.js'

export interface StatusPluginOptions {
  database: Database
  nodes: EventSocketNodes
  metrics: Metrics
  historyHours: number
  /** Writer and pruner tuning (tests). */
  tuning?: Pick<StatusOptions, 'flushMs' | 'maxBatch' | 'maxPending' | 'pruneEveryMs' | 'onWritten'>
}

/** Runs the live status (registrations, calls, history) alongside the HTTP service; writes on the primary. */
export const statusPlugin = fp<StatusPluginOptions>(async (app, options) => {
  const status = new StatusService({
    db: options.database.db,
    nodes: options.nodes,
    metrics: options.metrics,
    historyHours: options.historyHours,
    log: app.log.child({ component: 'status' }),
    ...options.tuning,
  })
  status.start()
  app.decorate('status', status)
  app.addHook('onClose', () => status.stop())
})

declare module 'fastify' {
  interface FastifyInstance {
    status?: StatusService
  }
}
