import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { hashPassword, randomPassword } from '../portal/password.js'
import type { DB } from './schema.js'

export interface DemoTenant {
  domain: string
  /** The carrier number that rings extension 100. */
  did: string
  extensions: Array<{ extension: string; name: string; password: string; pin: string }>
  /** The user portal password of extension 100 (only its hash is stored). */
  portalPassword: string
}

export class DemoExistsError extends Error {
  override name = 'DemoExistsError'
}

/**
 * A small tenant for the README walk-through: extensions 100-102, Follow Me
 * on 100 (desk, then 101, then a mobile with confirm, then voicemail), an
 * outbound route and a DID. Passwords are random, never a well-known default
 * (FreeSWITCH's vanilla users all share 1234).
 */
export async function seedDemo(db: Kysely<DB>, domain: string): Promise<DemoTenant> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('domains').select('id').where('name', '=', domain).executeTakeFirst()
    if (existing) {
      throw new DemoExistsError(`domain ${domain} already exists; remove it first (DELETE FROM domains WHERE name = '${domain}')`)
    }
    const { id: domainId } = await trx.insertInto('domains').values({ name: domain }).returning('id').executeTakeFirstOrThrow()

    const people = [
      { extension: '100', name: 'Alice Desk', toll_allow: ['local', 'domestic'] },
      { extension: '101', name: 'Bob Reception', toll_allow: ['local'] },
      { extension: '102', name: 'Carol Sales', toll_allow: [] },
    ]
    const did = await freeDid(trx, domain)
    const portalPassword = randomPassword()
    const tenant: DemoTenant = { domain, did, extensions: [], portalPassword }
    const ids = new Map<string, number>()
    for (const p of people) {
      const password = randomBytes(12).toString('base64url')
      const pin = String(1000 + (randomBytes(2).readUInt16BE() % 9000))
      const { id } = await trx
        .insertInto('extensions')
        .values({
          domain_id: domainId,
          extension: p.extension,
          sip_password: password,
          display_name: p.name,
          voicemail_pin: pin,
          toll_allow: p.toll_allow,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids.set(p.extension, id)
      tenant.extensions.push({ extension: p.extension, name: p.name, password, pin })
    }

    const alice = ids.get('100') as number
    await trx.insertInto('portal_credentials').values({ extension_id: alice, password_hash: await hashPassword(portalPassword) }).execute()
    await trx
      .insertInto('follow_me')
      .values({ extension_id: alice, enabled: true, strategy: 'sequential', ring_extension_first_s: 15 })
      .execute()
    await trx
      .insertInto('follow_me_destinations')
      .values([
        { extension_id: alice, position: 1, kind: 'extension', target: '101', delay_s: 0, ring_for_s: 15 },
        { extension_id: alice, position: 2, kind: 'external', target: '+15555550100', delay_s: 2, ring_for_s: 20, confirm: true },
        { extension_id: alice, position: 3, kind: 'voicemail', target: '100' },
      ])
      .execute()
    await trx
      .insertInto('outbound_routes')
      .values({ domain_id: domainId, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' })
      .execute()
    await trx.insertInto('dids').values({ number: did, domain_id: domainId, extension_id: alice }).execute()
    return tenant
  })
}

/**
 * A DID for the demo tenant: 1555555xxxx (555-55xx numbers are fictional),
 * the same for the same domain, and never one another tenant already has, so
 * a second demo tenant (--domain) gets its own. DIDs are global: carriers
 * reach one number in one place.
 */
async function freeDid(db: Kysely<DB>, domain: string): Promise<string> {
  const start = createHash('sha256').update(domain).digest().readUInt16BE(0) % 10_000
  for (let i = 0; i < 10_000; i++) {
    const number = `1555555${String((start + i) % 10_000).padStart(4, '0')}`
    const taken = await db.selectFrom('dids').select('number').where('number', '=', number).executeTakeFirst()
    if (taken === undefined) return number
  }
  throw new DemoExistsError('every demo DID 1555555xxxx is taken')
}
