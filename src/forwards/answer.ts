import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { CallDecision, Feature } from '../dialplan/decision.js'
import { findTargets } from '../dialplan/repository.js'
import type { Callee, Tenant } from '../dialplan/rows.js'
import type { Caller } from '../dialplan/request.js'
import { chooseRoute } from '../outbound/route.js'
import { forwardTargetFor, type ForwardingCode } from './feature-codes.js'
import { changeForwarding, type ChangeResult, type ForwardingChange } from './repository.js'
import { describeTarget } from './settings.js'

/**
 * A DND or forward-all feature code (*72.., *78..) or BLF key (dnd<EXT>,
 * cf<EXT>): checks who may, works out *72<number>'s target, writes once per
 * call, and returns the announcement and the lamps. The caller is who
 * FreeSWITCH authenticated (dialplan/request.ts); a key changes only the
 * pressing phone's own extension; nothing is written without the call's
 * channel (Unique-ID), which is also what makes it once per call.
 */
export async function forwardingFeature(
  db: Kysely<DB>,
  tenant: Tenant,
  code: ForwardingCode,
  callerRow: Callee | undefined,
  caller: Caller,
  callUuid: string | undefined,
  deadline: number,
  destination: string,
): Promise<CallDecision> {
  const feature: Feature = code.setting
  const refuse = (outcome: 'not-allowed' | 'unavailable', reason: string): CallDecision => ({ kind: 'feature', feature, outcome, lamps: [], reason })
  if (caller.kind !== 'extension' || callerRow === undefined || (code.key !== undefined && code.key !== caller.extension)) {
    const who = caller.kind === 'extension' ? `extension ${caller.extension}` : 'an unauthenticated caller'
    return refuse('not-allowed', `${who} may not change ${feature === 'dnd' ? 'Do Not Disturb' : 'forward all'} with ${destination}`)
  }
  if (callUuid === undefined) return refuse('not-allowed', `${destination} without a call's channel (no Unique-ID): nothing changed`)

  let change: ForwardingChange
  if (code.setting === 'dnd') change = { setting: 'dnd', to: code.to }
  else if (code.to === 'on' && code.number !== undefined) {
    // *72<number>: an extension of the tenant, or a number the caller's own
    // toll_allow may dial (the forwarded calls will go out under it).
    const found = await findTargets(db, tenant, /^[0-9]{1,15}$/.test(code.number) ? [code.number] : [], [code.number])
    const { extensions } = found
    const matching = extensions.has(code.number) ? undefined : found.routes.get(code.number)
    const route = matching === undefined ? undefined : chooseRoute(code.number, matching, callerRow.info.tollAllow)
    const target = forwardTargetFor(code.number, callerRow.info, extensions, route)
    if (!target.ok) return refuse('not-allowed', `forward all to ${code.number} refused: ${target.reason}`)
    change = { setting: 'forward-all', to: 'on', target: target.target }
  } else if (code.to === 'on') change = { setting: 'forward-all', to: 'on', target: undefined }
  else change = { setting: 'forward-all', to: code.to }

  const result: ChangeResult = await changeForwarding(db, callerRow.id, change, {
    source: code.key !== undefined ? 'blf_key' : 'feature_code',
    changedBy: `${caller.extension}@${tenant.name}`,
    callUuid,
    deadline,
  })
  if (result.kind === 'no-target') return refuse('unavailable', `${caller.extension} has no forward-all number yet: dial ${destination} followed by one`)
  if (result.kind === 'refused') return refuse('unavailable', `${destination} refused by the rows: ${result.reason}`)
  const on = feature === 'dnd' ? result.doNotDisturb : result.forwardAll
  const host = tenant.name
  const to = result.forwardAllTarget === null ? '' : ` (to ${describeTarget(result.forwardAllTarget)})`
  return {
    kind: 'feature',
    feature,
    outcome: on ? 'on' : 'off',
    // Both lamps: turning one on turns the other off (migrations/0004).
    lamps: [
      { lamp: { feature: 'dnd', extension: caller.extension, host }, on: result.doNotDisturb },
      { lamp: { feature: 'cf', extension: caller.extension, host }, on: result.forwardAll },
    ],
    reason: `${caller.extension}: Do Not Disturb ${result.doNotDisturb ? 'on' : 'off'}, forward all ${result.forwardAll ? 'on' : 'off'}${to} (${destination}, call ${callUuid})`,
  }
}
