import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { CallDecision } from '../dialplan/decision.js'
import type { Tenant } from '../dialplan/rows.js'
import type { Caller } from '../dialplan/request.js'
import { LAMP_PREFIX } from '../presence/lamp.js'
import { toggleFollowMe } from './repository.js'

/**
 * *21 toggles the caller's own Follow Me; fm<EXT> (what a BLF key dials when
 * pressed) toggles <EXT>'s, and only when <EXT> is the caller. The caller is
 * who FreeSWITCH authenticated (request.ts); carriers never get here.
 */
export async function toggleFeature(
  db: Kysely<DB>,
  tenant: Tenant,
  destination: string,
  caller: Caller,
  callUuid: string | undefined,
  { toggleCode, deadline }: { toggleCode: string; deadline: number },
): Promise<CallDecision> {
  const key = destination !== toggleCode
  const target = key ? destination.slice(LAMP_PREFIX.length) : caller.kind === 'extension' ? caller.extension : undefined
  if (caller.kind !== 'extension' || target !== caller.extension) {
    const who = caller.kind === 'extension' ? `extension ${caller.extension}` : 'an unauthenticated caller'
    return { kind: 'feature', feature: 'follow-me', outcome: 'not-allowed', lamps: [], reason: `${who} may not toggle Follow Me with ${destination}` }
  }
  // Writes only for a lookup that carries the call's channel (request.ts):
  // it is also what makes the toggle happen once per call.
  if (callUuid === undefined) {
    return { kind: 'feature', feature: 'follow-me', outcome: 'not-allowed', lamps: [], reason: `${destination} without a call's channel (no Unique-ID): nothing changed` }
  }
  const state = await toggleFollowMe(db, tenant.id, target, {
    source: key ? 'blf_key' : 'feature_code',
    changedBy: `${caller.extension}@${tenant.name}`,
    callUuid,
    deadline,
  })
  if (state === 'not-provisioned') {
    return { kind: 'feature', feature: 'follow-me', outcome: 'unavailable', lamps: [], reason: `${target} has no Follow Me (no follow_me row)` }
  }
  return {
    kind: 'feature',
    feature: 'follow-me',
    outcome: state ? 'on' : 'off',
    lamps: [{ lamp: { feature: 'fm', extension: target, host: tenant.name }, on: state }],
    reason: `Follow Me of ${target} is now ${state ? 'on' : 'off'} (${destination}, call ${callUuid})`,
  }
}

