import { migrateToLatest } from '../db/migrate.js'
import { fail, openForCli } from './open.js'

/** npm run migrate: applies pending migrations to DATABASE_URL or the embedded database. */
const database = await openForCli('migrate')
try {
  const { results = [] } = await migrateToLatest(database)
  if (results.length === 0) console.log('migrate: the schema is up to date')
  for (const r of results) console.log(`migrate: applied ${r.migrationName}`)
  await database.close()
} catch (err) {
  await database.close().catch(() => {})
  fail('migrate', err)
}
