import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { findTargets, findTenantAndCallee } from '../dialplan/repository.js'
import { planCall, type CallPlan, type ExtensionInfo } from '../followme/plan.js'
import { chooseRoute, type RouteChoice } from '../outbound/route.js'
import type { Draft, FieldErrors } from './form.js'
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

  for (const { index, settings: d } of draft.destinations) {
    const field = `d${index}_target`
    const label = `Destination ${index + 1}`
    if (d.kind === 'extension') {
      if (d.target === called.extension) errors.set(field, `${label}, extension: ${d.target} is your own extension; set "Ring my phone first" instead`)
      else if (!extensions.has(d.target)) errors.set(field, `${label}, extension: there is no extension ${d.target} in ${tenant.name}`)
    } else if (d.kind === 'voicemail') {
      const box = extensions.get(d.target)
      if (box === undefined) errors.set(field, `${label}, voicemail box: there is no extension ${d.target} in ${tenant.name}`)
      else if (!box.voicemailEnabled) errors.set(field, `${label}, voicemail box: extension ${d.target} has no voicemail`)
    } else {
      const route = routes.get(d.target)
      if (route !== undefined && !route.ok) errors.set(field, `${label}, number: ${refusal(d.target, route.cause)}`)
    }
  }
  return planFor(called, tenant.name, saved, draft, extensions, routes, errors)
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
