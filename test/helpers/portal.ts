import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Kysely } from 'kysely'
import type { Test } from 'tap'
import type { DB } from '../../src/db/schema.js'
import { hashPassword } from '../../src/portal/password.js'
import { portal, type PortalOptions } from '../../src/portal/plugin.js'
import { buildServer } from '../../src/server-options.js'
import { insertDomain, insertExtension } from './rows.js'

export const D = 'pbx.example.com'
export const OTHER = 'other.example.com'
export const PASSWORD = 'portal-test-password-1'

/** The portal as server.ts builds it (same server options), on a test database. */
export async function buildPortal(t: Test, db: Kysely<DB>, options: Partial<PortalOptions> = {}, logStream?: NodeJS.WritableStream): Promise<FastifyInstance> {
  const fastify = buildServer({ logLevel: logStream ? 'trace' : 'silent', tls: undefined }, logStream ? { logStream } : {})
  await fastify.register(portal, { db, sessionKey: randomBytes(32), secure: false, ...options })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}

/**
 * A tenant like the demo's: 100 (toll_allow domestic, Follow Me: 101, then a
 * confirmed mobile, then voicemail), 101 and 102 (no Follow Me), a domestic
 * and an international route; another tenant with its own 100 and 200.
 * 100, 101 and the other tenant's 100 have portal passwords.
 */
export async function seedPortalTenant(db: Kysely<DB>) {
  const d = await insertDomain(db, D)
  const alice = await insertExtension(db, d, '100', { toll_allow: ['local', 'domestic'], display_name: 'Alice' })
  const bob = await insertExtension(db, d, '101', { toll_allow: ['local'] })
  await insertExtension(db, d, '102', { voicemail_enabled: false })
  await db.insertInto('follow_me').values({ extension_id: alice, enabled: true, strategy: 'sequential', ring_extension_first_s: 15 }).execute()
  await db
    .insertInto('follow_me_destinations')
    .values([
      { extension_id: alice, position: 1, kind: 'extension', target: '101', delay_s: 0, ring_for_s: 15 },
      { extension_id: alice, position: 2, kind: 'external', target: '+15555550100', delay_s: 2, ring_for_s: 20, confirm: true },
      { extension_id: alice, position: 3, kind: 'voicemail', target: '100' },
    ])
    .execute()
  await db
    .insertInto('outbound_routes')
    .values([
      { domain_id: d, priority: 10, pattern: '^\\+?1?([2-9][0-9]{9})$', gateway: 'carrier', toll_class: 'domestic' },
      { domain_id: d, priority: 20, pattern: '^\\+?44[0-9]+$', gateway: 'intl', toll_class: 'international' },
    ])
    .execute()
  const o = await insertDomain(db, OTHER)
  const otherAlice = await insertExtension(db, o, '100')
  await insertExtension(db, o, '200')
  await db.insertInto('follow_me').values({ extension_id: otherAlice, enabled: false }).execute()
  // A cheaper cost than production's (verification reads it from the hash): many logins per test.
  const hash = await hashPassword(PASSWORD, 10)
  await db
    .insertInto('portal_credentials')
    .values([alice, bob, otherAlice].map((id) => ({ extension_id: id, password_hash: hash })))
    .execute()
  return { d, alice, bob, otherAlice }
}

/** A browser's part, for inject: a cookie jar and the CSRF token of the last page. */
export class PortalClient {
  private cookies = new Map<string, string>()
  csrf = ''
  constructor(private readonly app: FastifyInstance) {}

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number }>) {
      if (c.value === '' || c.maxAge === 0) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body)
    if (m) this.csrf = m[1] as string
    return res
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ')
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value)
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader() } }))
  }

  /** Posts a form; the page's CSRF token is added unless `fields` has its own `_csrf` (or null: none). */
  async post(url: string, fields: Record<string, string> | Array<[string, string]>, options: { csrf?: string | null; ip?: string } = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams(fields)
    if (options.csrf !== null) body.set('_csrf', options.csrf ?? this.csrf)
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: body.toString(),
        ...(options.ip !== undefined ? { remoteAddress: options.ip } : {}),
      }),
    )
  }

  async login(account = `100@${D}`, password = PASSWORD, ip?: string): Promise<LightMyRequestResponse> {
    await this.get('/login')
    return this.post('/login', { account, password }, ip === undefined ? {} : { ip })
  }
}

/** The Follow Me form of the seeded extension 100, as the page posts it, with `rows` as destinations. */
export function followMeForm(
  rows: Array<{ kind: string; target: string; delay?: string; ring?: string; confirm?: boolean }>,
  top: { enabled?: boolean; ringFirst?: string; strategy?: string; op?: string } = {},
): Array<[string, string]> {
  const fields: Array<[string, string]> = [['op', top.op ?? 'save'], ['ring_extension_first_s', top.ringFirst ?? '15']]
  if (top.enabled ?? true) fields.push(['enabled', 'on'])
  if (top.strategy !== undefined) fields.push(['strategy', top.strategy])
  rows.forEach((r, i) => {
    fields.push([`d${i}_kind`, r.kind], [`d${i}_target`, r.target], [`d${i}_delay_s`, r.delay ?? '0'], [`d${i}_ring_for_s`, r.ring ?? '20'])
    if (r.confirm) fields.push([`d${i}_confirm`, 'on'])
  })
  return fields
}

/** The timeline's bars in a page: [start, end, confirm]. */
export function bars(html: string): Array<[number, number, boolean]> {
  return [...html.matchAll(/<g class="leg[^"]*" data-start="([0-9]+)" data-end="([0-9]+)" data-confirm="(true|false)">/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
    m[3] === 'true',
  ])
}
