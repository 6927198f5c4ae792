import basicAuth from '@fastify/basic-auth'
import type { FastifyInstance } from 'fastify'
import { timingSafeEqual } from 'node:crypto'

/**
 * HTTP basic auth on every route of the plugin `app` (encapsulated: other
 * plugins' routes, /healthz included, stay open). Matches mod_xml_curl's
 * gateway-credentials.
 */
export async function requireBasicAuth(app: FastifyInstance, expected: { username: string; password: string }): Promise<void> {
  await app.register(basicAuth, {
    authenticate: { realm: 'freeswitch' },
    validate: async (username, password) => {
      // Compare both, always, in constant time.
      const ok = [sameSecret(username, expected.username), sameSecret(password, expected.password)].every(Boolean)
      if (!ok) throw new Error('bad credentials')
    },
  })
  app.addHook('onRequest', app.basicAuth)
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
