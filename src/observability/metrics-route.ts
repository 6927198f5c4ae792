import type { FastifyPluginAsync } from 'fastify'
import { requireBasicAuth } from '../freeswitch/basic-auth.js'
import type { Metrics } from './metrics.js'

export interface MetricsRouteOptions {
  metrics: Metrics
  basicAuth: { username: string; password: string } | undefined
}

/** GET /metrics in Prometheus' text format (METRICS_ENABLED), behind basic auth when that is on. */
export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, options) => {
  if (options.basicAuth !== undefined) await requireBasicAuth(app, options.basicAuth)
  app.get('/metrics', async (_req, reply) => {
    const text = await options.metrics.registry.metrics()
    return reply.type(options.metrics.registry.contentType).send(text)
  })
}
