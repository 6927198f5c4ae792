import type { FastifyError, FastifyServerOptions } from 'fastify'
import type { LogLevel } from '../config.js'

/**
 * pino options for the service. Request bodies and answers are never logged
 * (they carry digests, hashes and PINs). Errors are logged as their type,
 * message and code only: a library error can hold whole objects (a pg error
 * from an idle connection carried its Client, cancel secret key included),
 * and during an outage a stack per failed lookup buries the one line that
 * matters. Known secret-bearing keys are redacted wherever they appear.
 */
export type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>

export function loggerOptions(level: LogLevel): LoggerOptions {
  // Fastify's type wants a stack in every serialized error; leaving it out is the point.
  const err = safeError as unknown as (e: FastifyError) => { type: string; message: string; stack: string }
  return {
    level,
    serializers: { err, error: err },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.sip_password',
        '*.voicemail_pin',
        '*.portal_password',
        '*.a1_hash',
        '*["a1-hash"]',
        '*["vm-password"]',
      ],
      censor: '[redacted]',
    },
  }
}

export interface SafeError {
  type: string
  message: string
  code?: string
}

/** What a log line may say about an error: never the objects it carries. */
export function safeError(err: unknown): SafeError {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err).slice(0, 500) }
  const code = (err as { code?: unknown }).code
  return {
    type: err.name,
    message: err.message.slice(0, 500),
    ...(typeof code === 'string' ? { code } : {}),
  }
}
