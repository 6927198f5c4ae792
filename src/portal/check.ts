import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { findTenantAndCallee } from '../dialplan/call-rows.js'
import { findTargets } from '../dialplan/repository.js'
import type { Tenant } from '../dialplan/rows.js'
import { planCall, type CallPlan, type ExtensionInfo } from '../followme/plan.js'
import { chooseRoute, type RouteChoice } from '../outbound/route.js'
import { FORWARD_CONDITIONS, type ForwardingSettings } from '../forwards/settings.js'
import type { Draft, FieldErrors } from './form.js'
import { FORWARD_LABEL, forwardField } from './forward-form.js'
import type { Account, UserFollowMe } from './repository.js'

/**
 * The checks that need the tenant's rows: an extension target exists in the
 * user's own domain, a voicemail box exists, an external number has an
 * outbound route the extension's toll_allow permits. Then the plan the
 * dialplan would answer with (src/followme/plan.ts), for the picture.
 */
export async function checkTargets(
  db: Kysely<DB>,
  account: Account,
  saved: UserFollowMe,
  draft: Draft,
  errors: FieldErrors,
): Promise<CallPlan | undefined> {
  const found = await findTenantAndCallee(db, account.domain, account.extension)
  const called = found?.callee?.info
  if (found === undefined || called === undefined) return undefined
  const tenant = found.tenant
  const transferTarget = saved.noAnswerAction === 'transfer' ? saved.noAnswerTarget : null
  const numbers = draft.destinations.filter((d) => d.settings.kind !== 'external').map((d) => d.settings.target)
  const externals = draft.destinations.filter((d) => d.settings.kind === 'external').map((d) => d.settings.target)
  if (transferTarget !== null) numbers.push(transferTarget)
  // The no-answer target is asked both ways: an extension if the tenant has it, else a number.
  const targets = await findTargets(db, tenant, numbers, transferTarget === null ? externals : [...externals, transferTarget])
  const { extensions } = targets
  if (transferTarget !== null && !extensions.has(transferTarget)) externals.push(transferTarget)
  const routes = new Map<string, RouteChoice>(externals.map((n) => [n, chooseRoute(n, targets.routes.get(n) ?? [], called.tollAllow)]))

  const rows = { called, tenant: tenant.name, extensions, routes }
  for (const { index, settings: d } of draft.destinations) {
    const problem = targetProblem(d, rows, 'set "Ring my phone first" instead')
    if (problem !== undefined) errors.set(`d${index}_target`, `Destination ${index + 1}, ${problem}`)
  }
  return planFor(called, tenant.name, saved, draft, extensions, routes, errors)
}

/**
 * The forwards' targets against the tenant's rows, by the same rules as
 * Follow Me's destinations (targetProblem): an external number only when an
 * outbound route permits it under the extension's toll_allow, exactly as
 * the call would be routed.
 */
export async function checkForwardTargets(db: Kysely<DB>, account: Account, draft: ForwardingSettings, errors: FieldErrors): Promise<void> {
  const found = await findTenantAndCallee(db, account.domain, account.extension)
  const called = found?.callee?.info
  if (found === undefined || called === undefined) {
    errors.set('do_not_disturb', 'Your extension is no longer available; nothing was saved')
    return
  }
  const targets = FORWARD_CONDITIONS.flatMap((c) => {
    const target = draft.forwards[c].target
    return target === null ? [] : [{ condition: c, target }]
  })
  const numbers = targets.filter((t) => t.target.kind !== 'external').map((t) => t.target.target)
  const externals = targets.filter((t) => t.target.kind === 'external').map((t) => t.target.target)
  const rows = { called, tenant: found.tenant.name, ...(await lookUpTargets(db, found.tenant, called, numbers, externals)) }
  for (const { condition, target } of targets) {
    const problem = targetProblem(target, rows, 'a call cannot be forwarded to the phone it was for')
    if (problem !== undefined) errors.set(forwardField(condition, 'target'), `${FORWARD_LABEL[condition]}, ${problem}`)
  }
}

/** The tenant's rows a target is checked against. */
export interface TargetRows {
  called: ExtensionInfo
  tenant: string
  extensions: ReadonlyMap<string, ExtensionInfo>
  /** The route decision for each external number, under the called extension's toll_allow. */
  routes: ReadonlyMap<string, RouteChoice>
}

/**
 * What is wrong with one target (a Follow Me destination or a forward), in
 * plain words starting with what it is ("extension: ..."), or undefined:
 * an extension of the user's own domain other than their own, a voicemail
 * box with voicemail on, an external number an outbound route permits under
 * the extension's toll_allow.
 */
export function targetProblem(d: { kind: 'extension' | 'external' | 'voicemail'; target: string }, rows: TargetRows, ownHint: string): string | undefined {
  if (d.kind === 'extension') {
    if (d.target === rows.called.extension) return `extension: ${d.target} is your own extension; ${ownHint}`
    if (!rows.extensions.has(d.target)) return `extension: there is no extension ${d.target} in ${rows.tenant}`
  } else if (d.kind === 'voicemail') {
    const box = rows.extensions.get(d.target)
    if (box === undefined) return `voicemail box: there is no extension ${d.target} in ${rows.tenant}`
    if (!box.voicemailEnabled) return `voicemail box: extension ${d.target} has no voicemail`
  } else {
    const route = rows.routes.get(d.target)
    if (route !== undefined && !route.ok) return `number: ${refusal(d.target, route.cause)}`
  }
  return undefined
}

/** The tenant's extensions among `numbers` and the route decisions for `externals`, as the dialplan would make them. */
export async function lookUpTargets(db: Kysely<DB>, tenant: Tenant, called: ExtensionInfo, numbers: string[], externals: string[]): Promise<Omit<TargetRows, 'called' | 'tenant'>> {
  const found = await findTargets(db, tenant, numbers, externals)
  const routes = new Map<string, RouteChoice>(externals.map((n) => [n, chooseRoute(n, found.routes.get(n) ?? [], called.tollAllow)]))
  return { extensions: found.extensions, routes }
}

function refusal(number: string, cause: 'NO_ROUTE_DESTINATION' | 'OUTGOING_CALL_BARRED'): string {
  return cause === 'OUTGOING_CALL_BARRED'
    ? `your extension is not allowed to call ${number} (ask your administrator)`
    : `${number} cannot be called from this phone system (no outbound route for it)`
}

/** The timeline of the draft's valid rows, as if Follow Me were on (the picture shows what it would do). */
function planFor(
  called: ExtensionInfo,
  domain: string,
  saved: UserFollowMe,
  draft: Draft,
  extensions: ReadonlyMap<string, ExtensionInfo>,
  routes: ReadonlyMap<string, RouteChoice>,
  errors: FieldErrors,
): CallPlan {
  return planCall({
    domain,
    called,
    followMe: {
      enabled: true,
      strategy: draft.strategy,
      ringExtensionFirstS: draft.ringExtensionFirstS,
      noAnswerAction: saved.noAnswerAction,
      noAnswerTarget: saved.noAnswerTarget,
      externalCallerId: saved.externalCallerId,
    },
    destinations: draft.destinations.filter((d) => !errors.has(`d${d.index}_target`)).map((d) => d.settings),
    extensions,
    routes,
    callerId: undefined,
    visited: [],
  })
}
