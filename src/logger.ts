import type { FastifyServerOptions } from 'fastify'
import type { LogLevel } from './config.js'

/**
 * pino options for the service. Request bodies and answers are never logged
 * (they carry digests, hashes and PINs); the Authorization header is
 * redacted in case a serializer ever includes headers.
 */
export function loggerOptions(level: LogLevel): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: ['req.headers.authorization', '*.password', '*.sip_password', '*.voicemail_pin'], censor: '[redacted]' },
  }
}
