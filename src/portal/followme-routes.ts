import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { checkTargets } from './check.js'
import { applyOp, checkSyntax, readForm, stateOf, type FieldErrors, type FormState } from './form.js'
import { errorSummary, html } from './html.js'
import { followMePage, notProvisionedPage, timelineSection, type PageContext } from './page.js'
import { loadFollowMe, saveFollowMe, type Account, type UserFollowMe } from './repository.js'
import { accountName, requireLogin } from './session.js'

/**
 * GET /followme: the page. POST /followme: add, move, remove (a new draft,
 * not saved: the page works without JavaScript) or save. POST
 * /followme/preview: the timeline of a draft, for the page's script. The
 * extension is always the session's: nothing in a form names it.
 */
export async function followMeRoutes(fastify: FastifyInstance, options: { db: Kysely<DB> }): Promise<void> {
  const { db } = options
  const auth = requireLogin(db)

  const contextOf = (account: Account, fm: UserFollowMe, reply: FastifyReply): PageContext => ({
    account: accountName(account),
    extension: account.extension,
    csrf: reply.generateCsrf(),
    strategy: fm.strategy,
    userMayChooseStrategy: fm.userMayChooseStrategy,
  })

  /** Checks a draft against the schema's rules and the tenant's rows; the plan of its valid rows. */
  const evaluate = async (account: Account, fm: UserFollowMe, state: FormState) => {
    const { draft, errors } = checkSyntax(state, fm)
    const plan = await checkTargets(db, account, fm, draft, errors)
    return { draft, errors, plan }
  }

  const render = async (request: FastifyRequest, reply: FastifyReply, fm: UserFollowMe, state: FormState, errors: FieldErrors | undefined, saved: boolean, status = 200) => {
    const account = request.account as Account
    const checked = await evaluate(account, fm, state)
    const shown = errors ?? new Map<string, string>()
    return reply.code(status).type('text/html').send(followMePage(contextOf(account, fm, reply), state, shown, checked.plan, saved))
  }

  fastify.get('/followme', { preHandler: auth }, async (request, reply) => {
    const account = request.account as Account
    const fm = await loadFollowMe(db, account.extensionId)
    if (fm === undefined) return reply.type('text/html').send(notProvisionedPage({ account: accountName(account), csrf: reply.generateCsrf() }))
    const saved = (request.query as Record<string, unknown>).saved !== undefined
    return render(request, reply, fm, stateOf(fm), undefined, saved)
  })

  fastify.post('/followme', { preHandler: [auth, fastify.csrfProtection] }, async (request, reply) => {
    const account = request.account as Account
    const { state, op } = readForm(request.body)
    const fm = await loadFollowMe(db, account.extensionId)
    if (fm === undefined) return reply.code(409).type('text/html').send(notProvisionedPage({ account: accountName(account), csrf: reply.generateCsrf() }))
    if (op.kind !== 'save' && op.kind !== 'preview') return render(request, reply, fm, applyOp(state, op), undefined, false)
    const { draft, errors } = await evaluate(account, fm, state)
    if (errors.size > 0 || op.kind === 'preview') return render(request, reply, fm, state, errors, false, errors.size > 0 ? 422 : 200)
    const done = await saveFollowMe(db, account, {
      enabled: state.enabled,
      strategy: draft.strategy,
      ringExtensionFirstS: draft.ringExtensionFirstS,
      destinations: draft.destinations.map(({ settings: { position: _position, ...rest } }) => rest),
    })
    if (!done) return reply.code(409).type('text/html').send(notProvisionedPage({ account: accountName(account), csrf: reply.generateCsrf() }))
    request.log.info({ account: accountName(account), destinations: draft.destinations.length, enabled: state.enabled }, 'portal Follow Me saved')
    return reply.redirect('/followme?saved=1', 303)
  })

  fastify.post('/followme/preview', { preHandler: [auth, fastify.csrfProtection] }, async (request, reply) => {
    const account = request.account as Account
    const { state } = readForm(request.body)
    const fm = await loadFollowMe(db, account.extensionId)
    if (fm === undefined) return reply.code(409).type('text/html').send('')
    const { errors, plan } = await evaluate(account, fm, state)
    return reply.type('text/html').send(html`${errorSummary(errors)}${timelineSection(plan, account.extension, state.enabled)}`.html)
  })
}
