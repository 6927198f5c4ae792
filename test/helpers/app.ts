import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { app, type AppOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'

/**
 * The service as server.ts builds it, on a test database, with the default
 * configuration (plus `config`), closed when `t` ends.
 */
export async function buildApp(
  t: Test,
  database: Database,
  config: Partial<AppOptions['config']> = {},
  logStream?: NodeJS.WritableStream,
): Promise<FastifyInstance> {
  const fastify = Fastify({ logger: logStream ? { level: 'trace', stream: logStream } : false })
  await fastify.register(app, { database, config: { ...loadConfig({}), lookupBudgetMs: 2000, ...config } })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}
