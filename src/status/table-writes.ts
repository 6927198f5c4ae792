/**
 * One statement per status table (migrations/0006), each taking a whole
 * batch as arrays (unnest): repository.ts runs them inside its transactions.
 * Names that are no extension of ours fall out of the joins.
 */
import { sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import type { ListedChannel, ListedRegistration } from './listing.js'
import type { ChannelRow, FailedAuth, FailureCount, RegistrationRemoval, RegistrationRow } from './pending.js'

export function listedRow(r: ListedRegistration, at: Date): RegistrationRow {
  return { ...r, expiresAt: new Date(at.getTime() + r.expiresS * 1000), at }
}

export function channelRow(c: ListedChannel, node: string, at: Date): ChannelRow {
  const { answered, ...rest } = c
  return { ...rest, node, createdAt: at, answeredAt: answered ? at : undefined }
}

export type Executor = Transaction<DB>

export async function upsertRegistrations(trx: Executor, rows: RegistrationRow[], reason: 'registered' | 'listed at resync'): Promise<number> {
  if (rows.length === 0) return 0
  const col = <T>(f: (r: RegistrationRow) => T) => rows.map((r) => f(r) ?? null)
  // With multiple-registrations=contact (the shipped profile) sofia replaces
  // the row of a contact that registers again under a new Call-ID
  // (sofia_reg.c:2047-2053): so does this, without logging a transition.
  const result = await sql<{ written: string }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${col((r) => r.node)}::text[], ${col((r) => r.profile)}::text[], ${col((r) => r.callId)}::text[],
        ${col((r) => r.domain)}::text[], ${col((r) => r.extension)}::text[], ${col((r) => r.contact)}::text[],
        ${col((r) => r.userAgent)}::text[], ${col((r) => r.networkIp)}::inet[], ${col((r) => r.networkPort)}::int[],
        ${col((r) => r.transport)}::text[], ${col((r) => r.expiresAt.toISOString())}::timestamptz[], ${col((r) => r.at.toISOString())}::timestamptz[]
      ) AS x(node, profile, call_id, domain, extension, contact, user_agent, network_ip, network_port, transport, expires_at, at)
    ), matched AS (
      SELECT x.*, e.id AS extension_id, e.domain_id
        FROM input x
        JOIN domains d ON d.name = x.domain
        JOIN extensions e ON e.domain_id = d.id AND e.extension = x.extension
    ), replaced AS (
      DELETE FROM registrations r USING matched m
       WHERE r.node = m.node AND r.profile = m.profile AND r.extension_id = m.extension_id
         AND r.contact = m.contact AND r.call_id <> m.call_id
      RETURNING r.node, r.profile, r.extension_id, r.contact
    ), upserted AS (
      INSERT INTO registrations AS r (domain_id, extension_id, node, profile, call_id, contact, user_agent, network_ip, network_port, transport, expires_at, first_seen, last_refreshed)
      SELECT domain_id, extension_id, node, profile, call_id, contact, user_agent, network_ip, network_port, transport, expires_at, at, at
        FROM matched
      ON CONFLICT (node, profile, call_id) DO UPDATE SET
        domain_id = excluded.domain_id, extension_id = excluded.extension_id, contact = excluded.contact,
        user_agent = excluded.user_agent, network_ip = excluded.network_ip, network_port = excluded.network_port,
        transport = excluded.transport, expires_at = excluded.expires_at,
        last_refreshed = greatest(r.last_refreshed, excluded.last_refreshed)
      RETURNING r.*, (r.xmax = 0) AS inserted
    ), logged AS (
      INSERT INTO registration_events (domain_id, extension_id, at, kind, reason, node, profile, call_id, contact, user_agent, network_ip, network_port)
      SELECT u.domain_id, u.extension_id, u.last_refreshed, 'online', ${reason}, u.node, u.profile, u.call_id, u.contact, u.user_agent, u.network_ip, u.network_port
        FROM upserted u
       WHERE u.inserted
         AND NOT EXISTS (SELECT 1 FROM replaced p WHERE p.node = u.node AND p.profile = u.profile AND p.extension_id = u.extension_id AND p.contact = u.contact)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM upserted) AS written, (SELECT count(*) FROM logged) AS logged`.execute(trx)
  return Number(result.rows[0]?.written ?? 0)
}

export async function removeRegistrations(trx: Executor, removals: RegistrationRemoval[]): Promise<number> {
  if (removals.length === 0) return 0
  const col = <T>(f: (r: RegistrationRemoval) => T) => removals.map((r) => f(r) ?? null)
  // By Call-ID; an unREGISTER also by contact: a phone may unregister under
  // another Call-ID, and in contact mode sofia keys the row by its contact.
  // An expire only by Call-ID: with a shared sofia database every node
  // reports other nodes' expired rows (facts-2 §10).
  const result = await sql<{ n: string }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${col((r) => r.node)}::text[], ${col((r) => r.profile)}::text[], ${col((r) => r.callId)}::text[],
        ${col((r) => r.contact)}::text[], ${col((r) => r.kind)}::text[], ${col((r) => r.reason)}::text[],
        ${col((r) => r.at.toISOString())}::timestamptz[]
      ) AS x(node, profile, call_id, contact, kind, reason, at)
    ), gone AS (
      DELETE FROM registrations r USING input x
       WHERE r.node = x.node AND r.profile = x.profile
         AND (r.call_id = x.call_id OR (x.reason = 'unregistered' AND r.contact = x.contact))
      RETURNING r.*, x.kind, x.reason, x.at
    ), logged AS (
      INSERT INTO registration_events (domain_id, extension_id, at, kind, reason, node, profile, call_id, contact, user_agent, network_ip, network_port)
      SELECT domain_id, extension_id, at, kind, reason, node, profile, call_id, contact, user_agent, network_ip, network_port FROM gone
      RETURNING 1
    )
    SELECT count(*) AS n FROM logged`.execute(trx)
  return Number(result.rows[0]?.n ?? 0)
}

export async function upsertChannels(trx: Executor, rows: ChannelRow[]): Promise<number> {
  if (rows.length === 0) return 0
  const col = <T>(f: (r: ChannelRow) => T) => rows.map((r) => f(r) ?? null)
  const result = await sql<{ n: string }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${col((r) => r.node)}::text[], ${col((r) => r.uuid)}::text[], ${col((r) => r.domain)}::text[], ${col((r) => r.extension)}::text[],
        ${col((r) => r.direction)}::text[], ${col((r) => r.callUuid)}::text[], ${col((r) => r.otherParty)}::text[],
        ${col((r) => r.createdAt.toISOString())}::timestamptz[], ${col((r) => r.answeredAt?.toISOString())}::timestamptz[]
      ) AS x(node, uuid, domain, extension, direction, call_uuid, other_party, created_at, answered_at)
    ), upserted AS (
      INSERT INTO extension_channels AS c (node, uuid, domain_id, extension_id, direction, call_uuid, other_party, created_at, answered_at)
      SELECT x.node, x.uuid, e.domain_id, e.id, x.direction, x.call_uuid, x.other_party, x.created_at, x.answered_at
        FROM input x
        JOIN domains d ON d.name = x.domain
        JOIN extensions e ON e.domain_id = d.id AND e.extension = x.extension
      ON CONFLICT (node, uuid) DO UPDATE SET answered_at = coalesce(c.answered_at, excluded.answered_at)
      RETURNING 1
    )
    SELECT count(*) AS n FROM upserted`.execute(trx)
  return Number(result.rows[0]?.n ?? 0)
}

export async function removeChannels(trx: Executor, keys: Array<{ node: string; uuid: string }>): Promise<number> {
  if (keys.length === 0) return 0
  const result = await sql`
    DELETE FROM extension_channels c
     USING unnest(${keys.map((k) => k.node)}::text[], ${keys.map((k) => k.uuid)}::text[]) AS x(node, uuid)
     WHERE c.node = x.node AND c.uuid = x.uuid`.execute(trx)
  return Number(result.numAffectedRows ?? 0)
}

export async function countFailures(trx: Executor, counts: FailureCount[], failed: FailedAuth[]): Promise<number> {
  if (counts.length > 0) {
    const col = <T>(f: (r: FailureCount) => T) => counts.map((r) => f(r) ?? null)
    await sql`
      INSERT INTO registration_failures AS f (network_ip, hour, node, attempts, first_at, last_at, last_user, last_domain, last_user_agent, last_request)
      SELECT * FROM unnest(
        ${col((r) => r.networkIp)}::inet[], ${col((r) => r.hour.toISOString())}::timestamptz[], ${col((r) => r.node)}::text[],
        ${col((r) => r.attempts)}::int[], ${col((r) => r.firstAt.toISOString())}::timestamptz[], ${col((r) => r.lastAt.toISOString())}::timestamptz[],
        ${col((r) => r.user)}::text[], ${col((r) => r.domain)}::text[], ${col((r) => r.userAgent)}::text[], ${col((r) => r.request)}::text[]
      )
      ON CONFLICT (network_ip, hour, node) DO UPDATE SET
        attempts = f.attempts + excluded.attempts,
        first_at = least(f.first_at, excluded.first_at),
        last_at = greatest(f.last_at, excluded.last_at),
        last_user = excluded.last_user, last_domain = excluded.last_domain,
        last_user_agent = excluded.last_user_agent, last_request = excluded.last_request`.execute(trx)
  }
  if (failed.length > 0) {
    const col = <T>(f: (r: FailedAuth) => T) => failed.map((r) => f(r) ?? null)
    await sql`
      INSERT INTO registration_events (domain_id, extension_id, at, kind, reason, node, profile, user_agent, network_ip)
      SELECT e.domain_id, e.id, x.at, 'failed_auth', 'forbidden', x.node, x.profile, x.user_agent, x.network_ip
        FROM unnest(
          ${col((r) => r.node)}::text[], ${col((r) => r.profile)}::text[], ${col((r) => r.domain)}::text[], ${col((r) => r.extension)}::text[],
          ${col((r) => r.networkIp)}::inet[], ${col((r) => r.userAgent)}::text[], ${col((r) => r.at.toISOString())}::timestamptz[]
        ) AS x(node, profile, domain, extension, network_ip, user_agent, at)
        JOIN domains d ON d.name = x.domain
        JOIN extensions e ON e.domain_id = d.id AND e.extension = x.extension`.execute(trx)
  }
  return counts.reduce((sum, c) => sum + c.attempts, 0)
}
