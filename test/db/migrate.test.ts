import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { MIGRATIONS_DIR, migrateToLatest } from '../../src/db/migrate.js'
import { eachDatabase } from '../helpers/databases.js'

eachDatabase(t, async (t, database) => {
  t.test('migrating an up-to-date database applies nothing', async (t) => {
    const result = await migrateToLatest(database)
    t.strictSame(result.results, [])
    const applied = await database.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .orderBy('name' as never)
      .execute()
    // Every file of migrations/, in name order, and nothing else.
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort()
    t.ok(files.length >= 3)
    t.strictSame(applied, files.map((f) => ({ name: f.replace(/\.sql$/, '') })))
  })

  t.test('a failing migration is named, and rolled back whole', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-migrations-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    for (const file of await readdir(MIGRATIONS_DIR)) await copyFile(join(MIGRATIONS_DIR, file), join(dir, file))
    await writeFile(join(dir, '9999_broken.sql'), 'create table half_done (id int);\nselect * from no_such_table;\n')
    await t.rejects(migrateToLatest(database, `${dir}/`), {
      name: 'MigrationError',
      message: /^migration 9999_broken failed: .*no_such_table/,
    })
    const tables = await database.db.introspection.getTables()
    t.notOk(tables.some((table) => table.name === 'half_done'), 'its first statement was rolled back')
  })
})

eachDatabase(t, async (t, database) => {
  t.test('a lower migration number that arrives later is applied (0004 after 0006)', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-migrations-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    for (const file of await readdir(MIGRATIONS_DIR)) await copyFile(join(MIGRATIONS_DIR, file), join(dir, file))
    await writeFile(join(dir, '0004_arrived_late.sql'), 'create table arrived_late (id int);\n')
    t.teardown(() => database.db.schema.dropTable('arrived_late').ifExists().execute())
    t.teardown(() => database.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0004_arrived_late' as never).execute())
    const result = await migrateToLatest(database, `${dir}/`)
    t.strictSame(result.results?.map((r) => [r.migrationName, r.status]), [['0004_arrived_late', 'Success']])
  })
})
