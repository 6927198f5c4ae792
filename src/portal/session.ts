import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { findAccount, type Account } from './repository.js'

/**
 * Who is logged in: the encrypted session cookie (@fastify/secure-session)
 * holds the extension's id and when its password was set. The account is
 * read again on every request, so a disabled extension, a removed or reset
 * password ends its sessions at once.
 */
declare module '@fastify/secure-session' {
  interface SessionData {
    extensionId: number
    passwordSetAt: number
    loginAt: number
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    account: Account | undefined
  }
}

/** However active, a session ends this long after logging in. */
export const SESSION_MAX_AGE_MS = 12 * 3600 * 1000

export async function currentAccount(db: Kysely<DB>, request: FastifyRequest): Promise<Account | undefined> {
  const id = request.session.get('extensionId')
  const setAt = request.session.get('passwordSetAt')
  const loginAt = request.session.get('loginAt')
  if (typeof id !== 'number' || typeof setAt !== 'number' || typeof loginAt !== 'number') return undefined
  if (Date.now() - loginAt > SESSION_MAX_AGE_MS) return undefined
  const account = await findAccount(db, { extensionId: id })
  if (account === undefined || account.passwordHash === undefined || account.passwordSetAt !== setAt) return undefined
  return account
}

/** preHandler of every page behind the login: no valid session, back to the login page. */
export function requireLogin(db: Kysely<DB>) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const account = await currentAccount(db, request)
    if (account === undefined) {
      if (request.session.get('extensionId') !== undefined) request.session.delete()
      return reply.redirect('/login?expired=1', 303)
    }
    request.account = account
    // Sliding expiry: each request restarts the idle timer (the cookie's expiry).
    request.session.touch()
    return undefined
  }
}

export function accountName(account: Account): string {
  return `${account.extension}@${account.domain}`
}
