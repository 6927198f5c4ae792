import { app } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/open.js'
import { openPostgres } from './db/postgres.js'
import { SchemaUpkeep } from './db/readiness.js'
import { safeError } from './observability/logger.js'
import { portal } from './portal/plugin.js'
import { buildServer } from './server-options.js'
import { randomBytes } from 'node:crypto'

/** Reads config, opens the database, serves until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig()
  const fastify = buildServer(config)
  const log = fastify.log

  const database = await openDatabase(config.database, {
    // The server-side cap matches the lookup budget: a query the route has
    // given up on stops too.
    statementTimeoutMs: config.lookupBudgetMs,
    onIdleError: (err) => log.warn({ err: safeError(err) }, 'idle database connection lost'),
    onServerLog: (line) => log.debug({ postgres: line }, 'embedded database'),
  })
  if (config.database.kind === 'embedded') {
    log.info(
      { dataDir: config.database.dataDir, port: config.database.port, psql: `psql "$(cat ${config.database.dataDir}/embedded-db.url)"` },
      'embedded PostgreSQL started',
    )
  }
  const readDatabase =
    config.database.kind === 'postgres' && config.database.readUrl !== undefined
      ? openPostgres({ url: config.database.readUrl, statementTimeoutMs: config.lookupBudgetMs, applicationName: 'freeswitch-followme reads', onIdleError: (err) => log.warn({ err }, 'idle replica connection lost') })
      : undefined
  // Migrates now if it can, else keeps trying: until then lookups get 503.
  const schema = new SchemaUpkeep(database, log)
  await schema.start()

  await fastify.register(app, { database, config, readiness: schema, ...(readDatabase ? { readDatabase } : {}) })
  fastify.addHook('onClose', async () => {
    schema.stop()
    await readDatabase?.close()
    await database.close()
  })

  // The portal (below) stops before the service and its database.
  let closeFirst = async (): Promise<void> => {}
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping: finishing the lookups in flight')
    closeFirst().then(() => fastify.close()).then(
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

  // The user portal: its own server, so exposing it never exposes /freeswitch.
  if (config.portal !== undefined) {
    const portalServer = buildServer(config)
    await portalServer.register(portal, { db: database.db, sessionKey: config.portal.sessionKey ?? randomBytes(32), secure: config.tls !== undefined })
    closeFirst = () => portalServer.close()
    await portalServer.listen({ host: config.portal.host, port: config.portal.port })
  }
}

main().catch((err: unknown) => {
  // Configuration and start-up errors: one clear line, no stack, exit 1.
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  process.stderr.write(`freeswitch-followme: cannot start: ${message}\n`)
  process.exit(1)
})
