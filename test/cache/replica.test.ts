import pg from 'pg'
import t from 'tap'
import { migrateToLatest } from '../../src/db/migrate.js'
import { openPostgres } from '../../src/db/postgres.js'
import { buildApp } from '../helpers/app.js'
import { fixture } from '../helpers/fixtures.js'
import { primaryAndStandby } from '../helpers/replica.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { at, nameValues, parseXml } from '../helpers/xml.js'

// Lookups on a hot standby (DATABASE_READ_URL), writes and notices on the
// primary, the cache on: a real primary/standby pair, the standby's replay
// paused to make it lag.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')
const hashOf = (body: string) => nameValues(at(parseXml(body), 'section', 'domain', 'users', 'user', 'params'), 'param').get('a1-hash')

t.test('a lagging replica: its stale answers are served while it lags, never kept; the change shows once it is replayed', async (t) => {
  const { primaryUrl, standbyUrl } = await primaryAndStandby(t)
  const primary = openPostgres({ url: primaryUrl })
  t.teardown(() => primary.close())
  const replica = openPostgres({ url: standbyUrl, applicationName: 'freeswitch-followme reads' })
  t.teardown(() => replica.close())
  await migrateToLatest(primary)
  const d = await insertDomain(primary.db, '127.0.0.1')
  await insertExtension(primary.db, d, '1000', { sip_password: '1234' })

  const app = await buildApp(t, primary, { lookupCache: { maxEntries: 1000 } }, undefined, { readDatabase: replica })
  const deadline = Date.now() + 10_000
  const lookup = async () => hashOf((await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER })).body)
  let first: string | undefined
  while ((first = await lookup()) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.equal(first, 'e2f582b9dc317e63b6fe82419883aac5', 'the replica has the extension (md5 of 1000:127.0.0.1:1234)')
  t.equal(await lookup(), first)
  t.ok((app.lookupCache?.size ?? 0) >= 1, 'kept')

  const standby = new pg.Client({ connectionString: standbyUrl })
  await standby.connect()
  t.teardown(() => standby.end())
  await standby.query('select pg_wal_replay_pause()')
  await primary.db.updateTable('extensions').set({ sip_password: 'changed' }).execute()
  await new Promise((r) => setTimeout(r, 200))
  t.equal(await lookup(), first, 'the paused replica still answers the old password (its lag)')
  t.equal(await lookup(), first)

  await standby.query('select pg_wal_replay_resume()')
  let after: string | undefined = first
  while ((after = await lookup()) === first && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 20))
  t.not(after, first, 'once replayed, the new password: the stale answer was never kept')
  t.equal(await lookup(), after, 'and the new answer is kept from then on')
})
