import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { actionsFor, type Action, type DialplanSettings } from '../dialplan/actions.js'
import { decideCall } from '../dialplan/answer.js'
import { kyselyStore } from '../dialplan/call-rows.js'
import { describeLegCallerId } from '../callerid/explain.js'
import { notesOf, type CallDecision, type ShownCallerName } from '../dialplan/decision.js'
import { afterRingLines, forwardHeadline, forwardingLines } from '../forwards/explain.js'
import { registeredPhones } from '../status/report.js'
import { describeNoAnswer, type PlannedLeg } from './plan.js'

/**
 * "What would a call to 100@pbx.example.com do right now?": the same
 * decision and actions a real call gets, for operators (npm run explain,
 * GET /explain) and tests.
 */
export interface Explanation {
  call: string
  from: string
  decision: CallDecision
  actions: readonly Action[]
  notes: string[]
  /** Phones registered now (extension_status), per extension the call would ring. */
  phones?: Record<string, number>
  /** A ringing extension with no phone registered now (its branch fails at once). */
  warnings?: string[]
}

/** `target.extension` must be an extension number: feature codes change state and are never explained. */
export async function explainCall(
  db: Kysely<DB>,
  settings: DialplanSettings,
  target: { extension: string; domain: string },
  from?: string,
): Promise<Explanation | undefined> {
  // The very statements a call runs, unnamed: explain is not on FreeSWITCH's path.
  const decision = await decideCall(
    kyselyStore(db),
    {
    kind: 'call',
    context: target.domain,
    contextName: target.domain,
    destination: target.extension,
    caller: from === undefined ? { kind: 'anonymous' } : { kind: 'extension', extension: from },
      visited: [],
      uniqueId: undefined,
      failedCause: undefined,
    },
    // Explain answers extensions only: no feature code, nothing written.
    { toggleCode: settings.toggleCode, forwardingCodes: settings.forwardingCodes, directoryCode: settings.directoryCode, deadline: Number.POSITIVE_INFINITY },
  )
  if (decision === undefined) return undefined
  const { actions, skipped } = actionsFor(decision, settings)
  const rung = decision.kind === 'ring' ? ringingExtensions(decision.plan.legs) : []
  const registered = await registeredPhones(db, target.domain, rung)
  const phones = Object.fromEntries(rung.map((ext) => [ext, registered.get(ext) ?? 0]))
  const warnings = rung
    .filter((ext) => phones[ext] === 0)
    .map((ext) =>
      ext === target.extension
        ? `extension ${ext} has no phone registered now: its own branch fails at once`
        : `Follow Me destination extension ${ext} has no phone registered now: its branch fails at once`,
    )
  return {
    call: `${target.extension}@${target.domain}`,
    from: from === undefined ? 'outside' : `extension ${from}`,
    decision,
    actions,
    notes: [...notesOf(decision), ...skipped],
    phones,
    warnings,
  }
}

function ringingExtensions(legs: readonly PlannedLeg[]): string[] {
  const extensions: string[] = []
  for (const leg of legs) if (leg.target.kind === 'registrations' && !extensions.includes(leg.target.extension)) extensions.push(leg.target.extension)
  return extensions
}

export interface LegTimeline {
  label: string
  start_s: number
  stop_s: number
  confirm: boolean
  /** What the leg's phone shows as the caller (src/callerid/explain.ts). */
  caller_id: string
}

/** The timeline as data (GET /explain). */
export function explanationJson(e: Explanation): Record<string, unknown> {
  const d = e.decision
  const bridge = e.actions.find(([app]) => app === 'bridge')?.[1]
  const base = { call: e.call, from: e.from, decision: d.kind, notes: e.notes, registered_phones: e.phones ?? {}, warnings: e.warnings ?? [], bridge: bridge ?? null, actions: e.actions }
  if (d.kind === 'ring') {
    const after = d.afterRing === undefined ? {} : { after_ring: d.afterRing }
    const forwarding = d.forwarding === undefined ? {} : { forwarding: d.forwarding }
    const legs = d.plan.legs.map((leg) => timelineOf(leg, d.callerName))
    return { ...base, mode: d.plan.mode, legs, no_answer: { at_s: endOf(d.plan.legs), ...d.plan.noAnswer }, ...after, ...forwarding }
  }
  if (d.kind === 'forward') {
    const legs = d.step.kind === 'external' ? [timelineOf(d.step.leg, d.callerName)] : []
    return { ...base, reason: d.reason, step: d.step, forwarding: d.forwarding, legs }
  }
  if (d.kind === 'outbound') return { ...base, legs: [timelineOf(d.leg, undefined)] }
  if (d.kind === 'feature') return { ...base, outcome: d.outcome }
  if (d.kind === 'dial-by-name') return { ...base, domain: d.domain }
  return { ...base, cause: d.cause }
}

/** The timeline as text (npm run explain). */
export function formatExplanation(e: Explanation): string {
  const d = e.decision
  const lines: string[] = []
  if (d.kind === 'ring') {
    const mode = { extension: 'rings the extension', 'follow-me-sequential': 'Follow Me, sequential', 'follow-me-simultaneous': 'Follow Me, simultaneous' }[d.plan.mode]
    lines.push(`Call to ${e.call} from ${e.from}: ${mode}`)
    for (const leg of d.plan.legs) {
      const t = timelineOf(leg, d.callerName)
      const span = `${t.start_s}s → ${t.stop_s}s`.padEnd(13)
      const count = leg.target.kind === 'registrations' ? e.phones?.[leg.target.extension] : undefined
      const registrations = leg.target.kind !== 'registrations' ? '' : count === undefined ? ' (every registration)' : ` (every registration: ${count} ${count === 1 ? 'phone' : 'phones'} now)`
      lines.push(`  ring       ${span} ${leg.label}${registrations}${leg.confirm ? '  [must press 1]' : ''}`)
      lines.push(`             caller ID: ${describeLegCallerId(leg, d.callerName)}`)
    }
    if (d.plan.legs.length === 0) lines.push('  (nothing rings)')
    if (d.afterRing === undefined) lines.push(`  no answer  ${`${endOf(d.plan.legs)}s`.padEnd(13)} ${describeNoAnswer(d.plan.noAnswer)}`)
    else lines.push(...afterRingLines(d.afterRing, d.plan.noAnswer, endOf(d.plan.legs)))
    if (d.forwarding !== undefined) lines.push(...forwardingLines(d.forwarding))
  } else if (d.kind === 'forward') {
    lines.push(`Call to ${e.call} from ${e.from}: ${forwardHeadline(d.reason)}, ${describeNoAnswer(d.step)}`)
    if (d.step.kind === 'external') lines.push(`  caller ID: ${describeLegCallerId(d.step.leg, d.callerName)}`)
    lines.push(...forwardingLines(d.forwarding))
  } else if (d.kind === 'outbound') {
    lines.push(`Call to ${e.call} from ${e.from}: external, ${d.leg.label}`)
    lines.push(`  caller ID: ${describeLegCallerId(d.leg, undefined)}`)
  } else if (d.kind === 'feature') {
    lines.push(`Call to ${e.call} from ${e.from}: feature code, ${d.outcome}`)
  } else if (d.kind === 'dial-by-name') {
    lines.push(`Call to ${e.call} from ${e.from}: dial-by-name (mod_directory) over ${d.domain}`)
  } else {
    lines.push(`Call to ${e.call} from ${e.from}: rejected (${d.cause})`)
  }
  if (e.notes.length > 0) lines.push('notes:', ...e.notes.map((n) => `  - ${n}`))
  if (e.warnings !== undefined && e.warnings.length > 0) lines.push('warnings:', ...e.warnings.map((w) => `  ! ${w}`))
  lines.push('actions:', ...e.actions.map(([app, data]) => `  ${app}${data === undefined ? '' : ` ${data}`}`))
  return `${lines.join('\n')}\n`
}

function timelineOf(leg: PlannedLeg, shown: ShownCallerName | undefined): LegTimeline {
  return { label: leg.label, start_s: leg.startS, stop_s: leg.startS + leg.ringS, confirm: leg.confirm, caller_id: describeLegCallerId(leg, shown) }
}

function endOf(legs: readonly PlannedLeg[]): number {
  return Math.max(0, ...legs.map((l) => l.startS + l.ringS))
}
