import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { findTenantAndCallee } from '../dialplan/call-rows.js'
import { NO_FORWARDING } from '../forwards/settings.js'
import { checkTargets } from './check.js'
import { checkSyntax, stateOf, type FieldErrors, type FormState } from './form.js'
import { forwardStateOf, type ForwardFormState } from './forward-form.js'
import { callForwardSection } from './forward-page.js'
import { followMePage, notProvisionedPage } from './page.js'
import { loadFollowMe, type Account, type UserFollowMe } from './repository.js'
import { accountName } from './session.js'

/**
 * The one portal page (Follow Me, its timeline, Call Forward) as one
 * request answers it: each form shows either what is saved or the draft the
 * user just posted with its errors, so a refused save of one form keeps the
 * other as saved.
 */
export interface PageView {
  followMe?: { state: FormState; errors: FieldErrors }
  forwards?: { state: ForwardFormState; errors: FieldErrors }
  saved?: 'followme' | 'forwards'
  status?: number
}

/** Checks a Follow Me draft against the schema's rules and the tenant's rows; the plan of its valid rows. */
export async function evaluateFollowMe(db: Kysely<DB>, account: Account, fm: UserFollowMe, state: FormState) {
  const { draft, errors } = checkSyntax(state, fm)
  const plan = await checkTargets(db, account, fm, draft, errors)
  return { draft, errors, plan }
}

export async function sendPortalPage(db: Kysely<DB>, request: FastifyRequest, reply: FastifyReply, view: PageView): Promise<FastifyReply> {
  const account = request.account as Account
  const csrf = reply.generateCsrf()
  const callee = (await findTenantAndCallee(db, account.domain, account.extension))?.callee
  const forwards = callForwardSection(
    { csrf, ringTimeoutS: callee?.info.ringTimeoutS },
    view.forwards?.state ?? forwardStateOf(callee?.forwarding ?? NO_FORWARDING),
    view.forwards?.errors ?? new Map(),
    view.saved === 'forwards',
  )
  reply.code(view.status ?? 200).type('text/html')
  const fm = await loadFollowMe(db, account.extensionId)
  if (fm === undefined) return reply.send(notProvisionedPage({ account: accountName(account), csrf }, forwards))
  const state = view.followMe?.state ?? stateOf(fm)
  const { plan } = await evaluateFollowMe(db, account, fm, state)
  const ctx = { account: accountName(account), extension: account.extension, csrf, strategy: fm.strategy, userMayChooseStrategy: fm.userMayChooseStrategy }
  return reply.send(followMePage(ctx, state, view.followMe?.errors ?? new Map(), plan, view.saved === 'followme', forwards))
}
