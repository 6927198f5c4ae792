import Fastify from 'fastify'
import { app } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { migrateToLatest } from './db/migrate.js'
import { openDatabase } from './db/open.js'
import { loggerOptions } from './logger.js'

/** Reads config, opens and migrates the database, serves until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig()
  const fastify = Fastify({ logger: loggerOptions(config.logLevel) })
  const log = fastify.log

  const { database, socketUrl } = await openDatabase(config.database, {
    // The server-side cap matches the lookup budget: a query the route has
    // given up on stops too.
    statementTimeoutMs: config.lookupBudgetMs,
    onIdleError: (err) => log.warn({ err }, 'idle database connection lost'),
  })
  const applied = await migrateToLatest(database)
  for (const r of applied.results ?? []) log.info({ migration: r.migrationName }, 'migration applied')
  if (config.database.kind === 'embedded') {
    log.info(
      { dataDir: config.database.dataDir, psql: socketUrl ?? 'off (EMBEDDED_DB_PORT=0)' },
      'using the embedded database',
    )
  }

  await fastify.register(app, { database, config })
  fastify.addHook('onClose', () => database.close())

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    fastify.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while stopping')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)

  await fastify.listen({ host: config.host, port: config.port })
}

main().catch((err: unknown) => {
  // Configuration and start-up errors: one clear line, no stack, exit 1.
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  process.stderr.write(`freeswitch-followme: cannot start: ${message}\n`)
  process.exit(1)
})
