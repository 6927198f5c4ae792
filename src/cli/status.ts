import { parseArgs } from 'node:util'
import { isDomainName } from '../freeswitch/identifiers.js'
import { flapsOfDomain, formatFlaps, formatStatus, statusOfDomain } from '../status/report.js'
import { fail, openForCli } from './open.js'

/** npm run status -- pbx.example.com [--flaps]: every extension's live status, or its flapping phones. */
const USAGE = 'usage: npm run status -- <domain> [--flaps]'

let parsed: ReturnType<typeof parse>
function parse() {
  return parseArgs({ options: { flaps: { type: 'boolean' } }, allowPositionals: true })
}
try {
  parsed = parse()
} catch (err) {
  fail('status', `${(err as Error).message}\n${USAGE}`)
}
const domain = (parsed.positionals[0] ?? '').toLowerCase()
if (parsed.positionals.length !== 1 || !isDomainName(domain)) fail('status', USAGE)

const database = await openForCli('status')
try {
  const exists = await database.db.selectFrom('domains').select('id').where('name', '=', domain).executeTakeFirst()
  if (exists === undefined) {
    await database.close()
    fail('status', `no domain ${domain}`)
  }
  const text = parsed.values.flaps ? formatFlaps(domain, await flapsOfDomain(database.db, domain), new Date()) : formatStatus(domain, await statusOfDomain(database.db, domain), new Date())
  await database.close()
  process.stdout.write(text)
} catch (err) {
  await database.close().catch(() => {})
  fail('status', err)
}
