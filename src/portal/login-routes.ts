import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { isDomainName, isExtensionNumber } from '../freeswitch/identifiers.js'
import { verifyPassword } from './password.js'
import { loginPage } from './html.js'
import { findAccount } from './repository.js'

/**
 * Log in and out. Attempts are limited per address and per account (by
 * @fastify/rate-limit, counted over 15 minutes, in this instance's memory),
 * with one message that says how long to wait; a wrong password and an
 * unknown account get the same answer, in the same time.
 */
const WINDOW_MS = 15 * 60 * 1000

function accountOf(request: FastifyRequest): string {
  const body = request.body as Record<string, unknown> | undefined
  const v = body?.account
  return typeof v === 'string' ? v.trim().toLowerCase().slice(0, 300) : ''
}

function limited(what: string) {
  return (_request: FastifyRequest, context: { after: string; max: number }) => {
    const err = new Error(`Too many login attempts ${what} (${context.max} in 15 minutes). Please wait ${context.after} and try again.`) as Error & {
      statusCode: number
      code: string
    }
    err.statusCode = 429
    err.code = 'PORTAL_LOGIN_LIMITED'
    return err
  }
}

export async function loginRoutes(fastify: FastifyInstance, options: { db: Kysely<DB>; limits: { perAccount: number; perAddress: number } }): Promise<void> {
  const { db } = options
  const perAddress = fastify.rateLimit({
    max: options.limits.perAddress,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `address:${request.ip}`,
    errorResponseBuilder: limited('from your address'),
  })
  // The plugin runs one limiting hook per request; the second limit is
  // checked by hand with the plugin's own counter.
  const accountCounter = fastify.createRateLimit({
    max: options.limits.perAccount,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `account:${accountOf(request)}`,
  })
  const perAccount = async (request: FastifyRequest): Promise<void> => {
    const r = await accountCounter(request)
    if (!r.isAllowed && r.isExceeded) {
      const minutes = Math.max(1, Math.ceil(r.ttlInSeconds / 60))
      throw limited('for this account')(request, { after: `${minutes} minute${minutes === 1 ? '' : 's'}`, max: r.max })
    }
  }

  fastify.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const message =
      query.expired !== undefined
        ? ({ kind: 'info', text: 'Please log in (your session ended).' } as const)
        : query.bye !== undefined
          ? ({ kind: 'info', text: 'You are logged out.' } as const)
          : undefined
    return reply.type('text/html').send(loginPage(reply.generateCsrf(), message))
  })

  fastify.post('/login', { onRequest: perAddress, preHandler: [fastify.csrfProtection, perAccount] }, async (request, reply) => {
    const body = request.body as Record<string, unknown>
    const account = accountOf(request)
    const password = typeof body.password === 'string' ? body.password : ''
    const [extension = '', domain = ''] = account.split('@')
    const valid = isExtensionNumber(extension) && isDomainName(domain) && password.length > 0 && password.length <= 200
    const found = valid ? await findAccount(db, { domain, extension }) : undefined
    // Always one scrypt: an unknown account takes as long as a known one.
    const ok = await verifyPassword(password, found?.passwordHash)
    if (!ok || found === undefined || found.passwordSetAt === undefined) {
      request.log.info({ account: account.slice(0, 100) }, 'portal login refused')
      return reply.code(401).type('text/html').send(loginPage(reply.generateCsrf(), { kind: 'error', text: 'Wrong extension, domain or password.' }, account))
    }
    // A fresh session (new CSRF secret): nothing from before the login carries over.
    request.session.regenerate()
    request.session.set('extensionId', found.extensionId)
    request.session.set('passwordSetAt', found.passwordSetAt)
    request.session.set('loginAt', Date.now())
    request.log.info({ account }, 'portal login')
    return reply.redirect('/followme', 303)
  })

  fastify.post('/logout', { preHandler: fastify.csrfProtection }, async (request, reply) => {
    request.session.delete()
    return reply.redirect('/login?bye=1', 303)
  })
}
