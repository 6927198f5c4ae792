import { parseArgs } from 'node:util'
import { migrateToLatest } from '../db/migrate.js'
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'
import { hashPassword, randomPassword } from '../portal/password.js'
import { setPasswordHash } from '../portal/repository.js'
import { fail, openForCli } from './open.js'

/**
 * npm run portal-password -- 100@pbx.example.com: sets (or resets) the user
 * portal password of an extension to a new random one, printed once on
 * stdout and nowhere else. Only its scrypt hash is stored.
 */
const USAGE = 'usage: npm run portal-password -- <extension>@<domain>'

let positionals: string[]
try {
  positionals = parseArgs({ options: {}, allowPositionals: true }).positionals
} catch (err) {
  fail('portal-password', `${(err as Error).message}\n${USAGE}`)
}
const [target, ...rest] = positionals
const [extension = '', domainPart = ''] = (target ?? '').split('@')
const domain = domainPart.toLowerCase()
if (rest.length > 0 || !isExtensionNumber(extension) || !isDomainName(domain)) fail('portal-password', USAGE)

const database = await openForCli('portal-password')
try {
  await migrateToLatest(database)
  const password = randomPassword()
  const found = await setPasswordHash(database.db, domain, extension, await hashPassword(password))
  await database.close()
  if (!found) fail('portal-password', `no extension ${extension} in domain ${domain}`)
  process.stdout.write(`portal-password: ${extension}@${domain} can now log in to the user portal with this password (shown once):\n  ${password}\n`)
} catch (err) {
  await database.close().catch(() => {})
  fail('portal-password', err)
}
