import { parseArgs } from 'node:util'
import { loadConfig } from '../config.js'
import { dialplanSettings } from '../dialplan/settings.js'
import { explainCall, formatExplanation } from '../followme/explain.js'
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'
import { fail, openForCli } from './open.js'

/** npm run explain -- 100@pbx.example.com [--from 101]: what a call would do right now. */
const USAGE = 'usage: npm run explain -- <extension>@<domain> [--from <extension>]'

let parsed: ReturnType<typeof parse>
function parse() {
  return parseArgs({ options: { from: { type: 'string' } }, allowPositionals: true })
}
try {
  parsed = parse()
} catch (err) {
  fail('explain', `${(err as Error).message}\n${USAGE}`)
}
const [target] = parsed.positionals
const [extension = '', domainPart = ''] = (target ?? '').split('@')
const domain = domainPart.toLowerCase()
const from = parsed.values.from
if (!isExtensionNumber(extension) || !isDomainName(domain) || (from !== undefined && !isExtensionNumber(from))) {
  fail('explain', USAGE)
}

let settings: ReturnType<typeof dialplanSettings>
try {
  const config = loadConfig()
  settings = dialplanSettings(config.followMe, config.forwarding, config.dialByName)
} catch (err) {
  fail('explain', err)
}
const database = await openForCli('explain')
try {
  const explanation = await explainCall(database.db, settings, { extension, domain }, from)
  await database.close()
  if (explanation === undefined) fail('explain', `no enabled domain ${domain}`)
  process.stdout.write(formatExplanation(explanation))
} catch (err) {
  await database.close().catch(() => {})
  fail('explain', err)
}
