/**
 * What operators read (npm run status, npm run explain): the views of
 * migrations/0006, per tenant. SQL here; formatting pure.
 */
import { sql, type Kysely } from 'kysely'
import type { DB, ExtensionStatusValue } from '../db/schema.js'

export interface StatusLine {
  extension: string
  status: ExtensionStatusValue
  phones: number
  userAgents: string[]
  nodes: string[]
  lastChange: Date | null
}

export interface FlapLine {
  extension: string
  transitions: number
  online: number
  offline: number
  expired: number
  failedAuth: number
  lastAt: Date
}

export async function statusOfDomain(db: Kysely<DB>, domain: string): Promise<StatusLine[]> {
  const rows = await db
    .selectFrom('extension_status')
    .select(['extension', 'status', 'phones', 'user_agents', 'nodes', 'last_change'])
    .where('domain', '=', domain)
    .orderBy(sql`length(extension)`)
    .orderBy('extension')
    .execute()
  return rows.map((r) => ({
    extension: r.extension,
    status: r.status,
    phones: Number(r.phones),
    userAgents: r.user_agents ?? [],
    nodes: r.nodes ?? [],
    lastChange: r.last_change,
  }))
}

export async function flapsOfDomain(db: Kysely<DB>, domain: string, limit = 20): Promise<FlapLine[]> {
  const rows = await db
    .selectFrom('extension_flaps')
    .select(['extension', 'transitions', 'online', 'offline', 'expired', 'failed_auth', 'last_at'])
    .where('domain', '=', domain)
    .orderBy('transitions', 'desc')
    .orderBy('failed_auth', 'desc')
    .orderBy('extension')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    extension: r.extension,
    transitions: Number(r.transitions),
    online: Number(r.online),
    offline: Number(r.offline),
    expired: Number(r.expired),
    failedAuth: Number(r.failed_auth),
    lastAt: r.last_at,
  }))
}

/** Registered phones now, per extension of `domain` (extensions with none are absent). */
export async function registeredPhones(db: Kysely<DB>, domain: string, extensions: readonly string[]): Promise<Map<string, number>> {
  if (extensions.length === 0) return new Map()
  const rows = await db
    .selectFrom('extension_status')
    .select(['extension', 'phones'])
    .where('domain', '=', domain)
    .where('extension', 'in', [...extensions])
    .execute()
  return new Map(rows.filter((r) => Number(r.phones) > 0).map((r) => [r.extension, Number(r.phones)]))
}

/** The status table as text; what phones chose is shown quoted (JSON), never raw. */
export function formatStatus(domain: string, lines: readonly StatusLine[], now: Date): string {
  if (lines.length === 0) return `${domain}: no extensions\n`
  const out = [`${domain}: ${lines.length} extensions, ${lines.filter((l) => l.status !== 'offline').length} online`, `${'extension'.padEnd(10)} ${'status'.padEnd(8)} ${'phones'.padStart(6)}  ${'since'.padEnd(9)} nodes / user agents`]
  for (const l of lines) {
    const since = l.lastChange === null ? '-' : ago(l.lastChange, now)
    const detail = [l.nodes.join(','), ...l.userAgents.map((ua) => JSON.stringify(ua))].filter((s) => s !== '').join('  ')
    out.push(`${l.extension.padEnd(10)} ${l.status.padEnd(8)} ${String(l.phones).padStart(6)}  ${since.padEnd(9)} ${detail}`.trimEnd())
  }
  return `${out.join('\n')}\n`
}

export function formatFlaps(domain: string, lines: readonly FlapLine[], now: Date): string {
  if (lines.length === 0) return `${domain}: no registration transitions in the last 24 hours\n`
  const out = [`${domain}: registration transitions in the last 24 hours, most first`, `${'extension'.padEnd(10)} ${'transitions'.padStart(11)} ${'online'.padStart(7)} ${'offline'.padStart(8)} ${'expired'.padStart(8)} ${'bad auth'.padStart(9)}  last`]
  for (const l of lines) {
    out.push(`${l.extension.padEnd(10)} ${String(l.transitions).padStart(11)} ${String(l.online).padStart(7)} ${String(l.offline).padStart(8)} ${String(l.expired).padStart(8)} ${String(l.failedAuth).padStart(9)}  ${ago(l.lastAt, now)}`)
  }
  return `${out.join('\n')}\n`
}

function ago(at: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000))
  if (s < 120) return `${s}s ago`
  if (s < 7200) return `${Math.round(s / 60)}m ago`
  return `${Math.round(s / 3600)}h ago`
}
