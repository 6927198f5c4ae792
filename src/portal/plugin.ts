import formbody from '@fastify/formbody'
import csrf from '@fastify/csrf-protection'
import rateLimit from '@fastify/rate-limit'
import secureSession from '@fastify/secure-session'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { safeError } from '../observability/logger.js'
import { PORTAL_CSS, PORTAL_JS } from './assets.js'
import { followMeRoutes } from './followme-routes.js'
import { forwardRoutes } from './forward-routes.js'
import { FormRefused } from './form.js'
import { html, layout, loginPage } from './html.js'
import { loginRoutes } from './login-routes.js'

/**
 * The user portal, served on its own listener (PORTAL_PORT) so operators can
 * expose it without exposing /freeswitch. Users log in as extension@domain
 * and program their own Follow Me and Call Forward on the same rows the
 * dialplan reads.
 */
export interface PortalOptions {
  db: Kysely<DB>
  /** 32 bytes: encrypts and signs the session cookie. */
  sessionKey: Buffer
  /** Served over TLS: the cookie gets Secure. */
  secure: boolean
  /** Idle seconds before a session ends. */
  sessionIdleS?: number
  /** Login attempts per 15 minutes. */
  loginLimits?: { perAccount: number; perAddress: number }
}

export async function portal(fastify: FastifyInstance, options: PortalOptions): Promise<void> {
  fastify.decorateRequest('account', undefined)
  await fastify.register(formbody, { bodyLimit: 64 * 1024 })
  await fastify.register(secureSession, {
    key: options.sessionKey,
    cookieName: 'portal_session',
    expiry: options.sessionIdleS ?? 1800,
    cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure: options.secure },
  })
  await fastify.register(csrf, { sessionPlugin: '@fastify/secure-session' })
  await fastify.register(rateLimit, { global: false })

  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/css') && !String(reply.getHeader('content-type') ?? '').includes('javascript')) {
      reply.header('cache-control', 'no-store')
    }
    return payload
  })

  fastify.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (error instanceof FormRefused) {
      return reply.code(400).type('text/html').send(layout('Refused', html`<h1>That form cannot be accepted</h1><p class="error">${error.message}.</p><p><a href="/followme">Back to Follow Me</a></p>`))
    }
    if (error.code === 'PORTAL_LOGIN_LIMITED') {
      return reply.code(429).type('text/html').send(loginPage(reply.generateCsrf(), { kind: 'error', text: error.message }))
    }
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.code(403).type('text/html').send(layout('Expired form', html`<h1>This form has expired</h1><p class="error">The page was open too long, or it came from somewhere else. Nothing was changed.</p><p><a href="/followme">Open the page again</a></p>`))
    }
    if (status < 500) {
      return reply.code(status).type('text/html').send(layout('Error', html`<h1>Request refused</h1><p class="error">${error.message}</p><p><a href="/">Back</a></p>`))
    }
    request.log.error({ err: safeError(error) }, 'portal request failed')
    return reply.code(500).type('text/html').send(layout('Error', html`<h1>Something went wrong</h1><p>Nothing was saved. Please try again in a moment.</p>`))
  })
  fastify.setNotFoundHandler(async (_request, reply) => reply.code(404).type('text/html').send(layout('Not found', html`<h1>Not found</h1><p><a href="/">Back to the portal</a></p>`)))

  fastify.get('/assets/portal.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(PORTAL_CSS))
  fastify.get('/assets/portal.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(PORTAL_JS))
  fastify.get('/', async (_request, reply) => reply.redirect('/followme', 303))

  await fastify.register(loginRoutes, { db: options.db, limits: options.loginLimits ?? { perAccount: 5, perAddress: 20 } })
  await fastify.register(followMeRoutes, { db: options.db })
  await fastify.register(forwardRoutes, { db: options.db })
}
