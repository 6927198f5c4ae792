import Fastify, { LogController, type FastifyInstance } from 'fastify'
import pino from 'pino'
import type { Config } from './config.js'
import { loggerOptions } from './observability/logger.js'

/** The longest a log line waits in the buffer. */
export const LOG_FLUSH_MS = 250

/** How long a client may take to send its request headers, and its whole request. */
export const HEADERS_TIMEOUT_MS = 5_000
export const REQUEST_TIMEOUT_MS = 15_000

/**
 * The HTTP server as production runs it: logger, timeouts, TLS. server.ts
 * and the tests build it here, then register the app plugin.
 *
 * - One log line per lookup comes from the route; Fastify's own two
 *   per-request lines are off. Lines leave for stdout in 4 kB writes, and
 *   at least every LOG_FLUSH_MS: a write per lookup was 9% of a cached
 *   lookup's time (README, Performance). pino flushes what is left when
 *   the process exits.
 * - A half-sent request does not hold a socket: headers within 5 s, the
 *   whole request within 15 s (mod_xml_curl sends a whole body at once).
 * - TLS when a certificate is given: the directory answers carry a1-hashes
 *   and voicemail PINs.
 */
export function buildServer(
  config: Pick<Config, 'logLevel' | 'tls'>,
  overrides: { logStream?: NodeJS.WritableStream; headersTimeoutMs?: number; requestTimeoutMs?: number } = {},
): FastifyInstance {
  const logger = loggerOptions(config.logLevel)
  const stdout =
    overrides.logStream === undefined && config.logLevel !== 'silent' ? pino.destination({ dest: 1, sync: false, minLength: 4096 }) : undefined
  const timeouts = {
    headersTimeout: overrides.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
    // Node checks the two timeouts this often (30 s by default).
    connectionsCheckingInterval: Math.min(1000, overrides.headersTimeoutMs ?? 1000),
  }
  const options = {
    http: timeouts,
    logger: { ...logger, stream: overrides.logStream ?? stdout },
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: overrides.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
  }
  // Fastify types an HTTPS instance apart from an HTTP one; the app plugin
  // uses nothing that differs between them.
  const fastify =
    config.tls === undefined ? Fastify(options) : (Fastify({ ...options, https: { ...config.tls, ...timeouts } }) as unknown as FastifyInstance)
  if (stdout !== undefined) {
    const flusher = setInterval(() => stdout.flush(), LOG_FLUSH_MS).unref()
    // What is still buffered leaves when the process exits (pino's exit hook).
    fastify.addHook('onClose', async () => clearInterval(flusher))
  }
  // Stopping: the lookups in flight are answered, each with Connection: close,
  // so a keep-alive client does not hold the stop for keepAliveTimeout (72 s).
  let closing = false
  fastify.addHook('preClose', async () => {
    closing = true
    fastify.server.closeIdleConnections()
  })
  fastify.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close')
    return payload
  })
  return fastify
}
