import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { eachDatabase } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'

// migrations/0003: every statement on a table lookups read announces the
// tenants it touched on lookup_changed, once, at commit.

interface Announcement {
  schema: string
  table: string
  domains?: string[]
  all?: boolean
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  const listener = new pg.Client({ connectionString: database.url })
  await listener.connect()
  t.teardown(() => listener.end())
  await listener.query('LISTEN lookup_changed')
  let heard: Announcement[] = []
  listener.on('notification', (n) => {
    const a = JSON.parse(n.payload ?? '{}') as Announcement
    if (a.schema === database.schema) heard.push({ ...a, ...(a.domains ? { domains: [...a.domains].sort() } : {}) })
  })
  /** A marker notification, once it has arrived: everything sent before it has been delivered. */
  const delivered = async (marker: string) => {
    await sql`select pg_notify('lookup_changed', ${JSON.stringify({ schema: database.schema, table: marker })})`.execute(db)
    await until(`the ${marker} notification`, 3000, () => heard.some((a) => a.table === marker), { context: () => JSON.stringify(heard) })
  }
  /** What was announced by `work`, and only by it. */
  const announced = async (work: () => Promise<unknown>): Promise<Array<Omit<Announcement, 'schema'>>> => {
    await delivered('before')
    heard = []
    await work()
    await delivered('after')
    return heard.filter((a) => a.table !== 'after').map(({ schema: _s, ...rest }) => rest)
  }

  t.test('each table, each kind of statement, names the tenants touched', async (t) => {
    const a = await insertDomain(db, 'a.example.com')
    const b = await insertDomain(db, 'b.example.com')
    const a100 = await insertExtension(db, a, '100')
    const b100 = await insertExtension(db, b, '100')

    t.strictSame(await announced(() => db.insertInto('domains').values({ name: 'c.example.com' }).execute()), [
      { table: 'domains', domains: ['c.example.com'] },
    ])
    t.strictSame(await announced(() => db.updateTable('domains').set({ name: 'd.example.com' }).where('name', '=', 'c.example.com').execute()), [
      { table: 'domains', domains: ['c.example.com', 'd.example.com'] },
    ], 'a rename names the old and the new name')
    t.strictSame(await announced(() => db.updateTable('extensions').set({ ring_timeout_s: 20 }).execute()), [
      { table: 'extensions', domains: ['a.example.com', 'b.example.com'] },
    ], 'one statement over two tenants: one announcement naming both')
    t.strictSame(await announced(() => db.insertInto('follow_me').values({ extension_id: a100 }).execute()), [
      { table: 'follow_me', domains: ['a.example.com'] },
    ])
    t.strictSame(
      await announced(() => db.insertInto('follow_me_destinations').values({ extension_id: a100, position: 1, kind: 'external', target: '15550100' }).execute()),
      [{ table: 'follow_me_destinations', domains: ['a.example.com'] }],
    )
    t.strictSame(
      await announced(() => db.insertInto('outbound_routes').values({ domain_id: b, priority: 1, pattern: '^1[0-9]+$', gateway: 'carrier' }).execute()),
      [{ table: 'outbound_routes', domains: ['b.example.com'] }],
    )
    t.strictSame(await announced(() => db.insertInto('dids').values({ number: '15551230000', domain_id: b, extension_id: b100 }).execute()), [
      { table: 'dids', domains: ['b.example.com'] },
    ])
    t.strictSame(await announced(() => db.deleteFrom('follow_me_destinations').execute()), [
      { table: 'follow_me_destinations', domains: ['a.example.com'] },
    ])
    t.strictSame(await announced(() => db.updateTable('extensions').set({ ring_timeout_s: 30 }).where('extension', '=', 'nope').execute()), [], 'no row, no announcement')
  })

  t.test('a deleted tenant is named once, by the domains table; its cascaded rows add nothing', async (t) => {
    const a = await insertDomain(db, 'a.example.com')
    const e = await insertExtension(db, a, '100')
    await db.insertInto('follow_me').values({ extension_id: e }).execute()
    t.strictSame(await announced(() => db.deleteFrom('domains').where('id', '=', a).execute()), [{ table: 'domains', domains: ['a.example.com'] }])
  })

  t.test('TRUNCATE, and a statement over very many tenants, announce everything', async (t) => {
    t.strictSame(await announced(() => db.insertInto('domains').values(Array.from({ length: 201 }, (_, i) => ({ name: `t${i}.example.com` }))).execute()), [
      { table: 'domains', all: true },
    ])
    t.strictSame(await announced(() => sql`truncate follow_me_destinations`.execute(db)), [{ table: 'follow_me_destinations', all: true }])
  })

  t.test('nothing is announced for a transaction rolled back', async (t) => {
    await insertDomain(db, 'a.example.com')
    const rolledBack = await announced(async () => {
      await db
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable('domains').set({ enabled: false }).execute()
          throw new Error('changed my mind')
        })
        .catch(() => undefined)
    })
    t.strictSame(rolledBack, [])
  })
})
