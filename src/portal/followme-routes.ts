import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { applyOp, readForm } from './form.js'
import { errorSummary, html } from './html.js'
import { timelineSection } from './page.js'
import { evaluateFollowMe, sendPortalPage } from './page-view.js'
import { loadFollowMe, saveFollowMe, type Account } from './repository.js'
import { accountName, requireLogin } from './session.js'

/**
 * GET /followme: the page (Follow Me and Call Forward). POST /followme: add,
 * move, remove (a new draft, not saved: the page works without JavaScript)
 * or save. POST /followme/preview: the timeline of a draft, for the page's
 * script. The extension is always the session's: nothing in a form names it.
 */
export async function followMeRoutes(fastify: FastifyInstance, options: { db: Kysely<DB> }): Promise<void> {
  const { db } = options
  const auth = requireLogin(db)

  fastify.get('/followme', { preHandler: auth }, async (request, reply) => {
    const saved = (request.query as Record<string, unknown>).saved
    return sendPortalPage(db, request, reply, saved === 'forwards' || saved === '1' ? { saved: saved === 'forwards' ? 'forwards' : 'followme' } : {})
  })

  fastify.post('/followme', { preHandler: [auth, fastify.csrfProtection] }, async (request, reply) => {
    const account = request.account as Account
    const { state, op } = readForm(request.body)
    const fm = await loadFollowMe(db, account.extensionId)
    if (fm === undefined) return sendPortalPage(db, request, reply, { status: 409 })
    if (op.kind !== 'save' && op.kind !== 'preview') return sendPortalPage(db, request, reply, { followMe: { state: applyOp(state, op), errors: new Map() } })
    const { draft, errors } = await evaluateFollowMe(db, account, fm, state)
    if (errors.size > 0 || op.kind === 'preview') return sendPortalPage(db, request, reply, { followMe: { state, errors }, status: errors.size > 0 ? 422 : 200 })
    const done = await saveFollowMe(db, account, {
      enabled: state.enabled,
      strategy: draft.strategy,
      ringExtensionFirstS: draft.ringExtensionFirstS,
      destinations: draft.destinations.map(({ settings: { position: _position, ...rest } }) => rest),
    })
    if (!done) return sendPortalPage(db, request, reply, { status: 409 })
    request.log.info({ account: accountName(account), destinations: draft.destinations.length, enabled: state.enabled }, 'portal Follow Me saved')
    return reply.redirect('/followme?saved=1', 303)
  })

  fastify.post('/followme/preview', { preHandler: [auth, fastify.csrfProtection] }, async (request, reply) => {
    const account = request.account as Account
    const { state } = readForm(request.body)
    const fm = await loadFollowMe(db, account.extensionId)
    if (fm === undefined) return reply.code(409).type('text/html').send('')
    const { errors, plan } = await evaluateFollowMe(db, account, fm, state)
    return reply.type('text/html').send(html`${errorSummary(errors)}${timelineSection(plan, account.extension, state.enabled)}`.html)
  })
}
