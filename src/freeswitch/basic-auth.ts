import basicAuth from '@fastify/basic-auth'
import type { FastifyInstance } from 'fastify'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * HTTP basic auth on every route of the plugin `app` (encapsulated: other
 * plugins' routes, /healthz included, stay open). Matches mod_xml_curl's
 * gateway-credentials.
 */
export async function requireBasicAuth(app: FastifyInstance, expected: { username: string; password: string }): Promise<void> {
  const matches = secretMatcher(`${expected.username}:${expected.password}`)
  await app.register(basicAuth, {
    authenticate: { realm: 'freeswitch' },
    validate: async (username, password) => {
      if (!matches(`${username}:${password}`)) throw new Error('bad credentials')
    },
  })
  app.addHook('onRequest', app.basicAuth)
}

/**
 * Compares a given secret with the expected one in time that depends on
 * neither, not even on their lengths: both are reduced to HMACs under a key
 * made at start, and the two 32-byte digests are compared in constant time.
 * (A user name of the same length with a colon moved compares unequal: its
 * HMAC differs.)
 */
export function secretMatcher(expected: string): (given: string) => boolean {
  const key = randomBytes(32)
  const digest = (value: string) => createHmac('sha256', key).update(value, 'utf8').digest()
  const wanted = digest(expected)
  return (given) => timingSafeEqual(digest(given), wanted)
}
