import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { app, type AppOptions } from '../../src/app.js'
import { loadConfig, type LogLevel } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { buildServer } from '../../src/server-options.js'

/**
 * The service as server.ts builds it (the same server options: logger,
 * redaction, timeouts), on a test database, with the default configuration
 * (plus `config`), closed when `t` ends. With `logStream`, the production
 * logger writes there at `logLevel` (default trace); otherwise it is silent.
 */
export async function buildApp(
  t: Test,
  database: Database,
  config: Partial<AppOptions['config']> = {},
  logStream?: NodeJS.WritableStream,
  extra: Pick<AppOptions, 'readiness' | 'metrics' | 'readDatabase' | 'statusTuning'> & { logLevel?: LogLevel } = {},
): Promise<FastifyInstance> {
  const { logLevel = 'trace', ...options } = extra
  const fastify = buildServer({ logLevel: logStream ? logLevel : 'silent', tls: undefined }, logStream ? { logStream } : {})
  // The lookup cache is off unless a test asks for it: its invalidation is
  // asynchronous (within milliseconds), and tests that rewrite rows between
  // two lookups test the rows, not the cache (test/cache/ does that).
  const base = { ...loadConfig({}), lookupBudgetMs: 2000, lookupCache: undefined }
  await fastify.register(app, { database, config: { ...base, ...config }, ...options })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}
