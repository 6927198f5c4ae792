import { parseArgs } from 'node:util'
import { seedDemo } from '../db/demo.js'
import { migrateToLatest } from '../db/migrate.js'
import { isDomainName } from '../freeswitch/identifiers.js'
import { fail, openForCli } from './open.js'

/** npm run seed -- --demo [--domain pbx.example.com]: loads the demo tenant. */
const USAGE = 'usage: npm run seed -- --demo [--domain <sip-domain>]'

let args: { demo?: boolean; domain?: string }
try {
  args = parseArgs({ options: { demo: { type: 'boolean' }, domain: { type: 'string' } } }).values
} catch (err) {
  fail('seed', `${(err as Error).message}\n${USAGE}`)
}
if (!args.demo) fail('seed', USAGE)
const domain = (args.domain ?? 'pbx.example.com').toLowerCase()
if (!isDomainName(domain)) fail('seed', `--domain ${domain} is not a SIP domain name (e.g. pbx.example.com or 192.0.2.10)`)

const database = await openForCli('seed')
try {
  await migrateToLatest(database)
  const tenant = await seedDemo(database.db, domain)
  await database.close()
  console.log(`seed: demo tenant ${tenant.domain} created. Credentials (shown once, demo use only):`)
  for (const e of tenant.extensions) {
    console.log(`  ${e.extension}@${tenant.domain}  ${e.name.padEnd(14)} SIP password ${e.password}  voicemail PIN ${e.pin}`)
  }
  console.log('  Follow Me is on for 100: desk 15 s, then 101, then +15555550100 (press 1 to take it), then voicemail.')
  console.log(`  DID ${tenant.did} (context public) rings 100.`)
  console.log(`  User portal (http://127.0.0.1:8081 with npm start): log in as 100@${tenant.domain} with password ${tenant.portalPassword}`)
} catch (err) {
  await database.close().catch(() => {})
  fail('seed', err)
}
