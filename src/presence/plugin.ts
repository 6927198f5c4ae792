import fp from 'fastify-plugin'
import type { Database } from '../db/database.js'
import type { Metrics } from '../observability/metrics.js'
import type { EventSocketNodes } from './nodes.js'
import { PresenceService } from './service.js'

export interface PresencePluginOptions {
  database: Database
  nodes: EventSocketNodes
  defaultDomain: string | undefined
  metrics: Metrics
}

/** Runs the BLF lamp service alongside the HTTP service, and stops it with it. */
export const presencePlugin = fp<PresencePluginOptions>(async (app, options) => {
  const presence = new PresenceService({ ...options, log: app.log.child({ component: 'presence' }) })
  await presence.start()
  app.decorate('presence', presence)
  app.addHook('onClose', () => presence.stop())
})

declare module 'fastify' {
  interface FastifyInstance {
    presence?: PresenceService
  }
}
