import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { checkForwardTargets } from './check.js'
import { checkForwardSyntax, readForwardForm } from './forward-form.js'
import { saveForwarding } from './forward-repository.js'
import { sendPortalPage } from './page-view.js'
import type { Account } from './repository.js'
import { accountName, requireLogin } from './session.js'

/**
 * POST /forwards: the Call Forward section's save, with the same session,
 * CSRF and ownership rules as Follow Me's (the extension is the session's;
 * a form naming another is refused). Refusals redraw the page with the
 * draft and errors naming the fields; a save answers 303 to the page.
 */
export async function forwardRoutes(fastify: FastifyInstance, options: { db: Kysely<DB> }): Promise<void> {
  const { db } = options
  const auth = requireLogin(db)

  fastify.post('/forwards', { preHandler: [auth, fastify.csrfProtection] }, async (request, reply) => {
    const account = request.account as Account
    const state = readForwardForm(request.body)
    const { draft, errors } = checkForwardSyntax(state, account.extension)
    await checkForwardTargets(db, account, draft, errors)
    if (errors.size > 0) return sendPortalPage(db, request, reply, { forwards: { state, errors }, status: 422 })
    const saved = await saveForwarding(db, account, draft)
    if (!saved.ok) {
      // The tenant's rows changed since the check (a target removed meanwhile): the row's own rules said no.
      const refused = new Map([[saved.column, `${saved.column}: this cannot be saved any more (${saved.reason}); nothing was changed`]])
      return sendPortalPage(db, request, reply, { forwards: { state, errors: refused }, status: 409 })
    }
    request.log.info({ account: accountName(account), doNotDisturb: draft.doNotDisturb, forwardAll: draft.forwards.all.enabled }, 'portal Call Forward saved')
    return reply.redirect('/followme?saved=forwards#call-forward', 303)
  })
}
