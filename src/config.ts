import { envSchema } from 'env-schema'
import { Type, type Static } from '@sinclair/typebox'

/**
 * Every setting the service reads, validated once at start. A bad value stops
 * the process with a message naming the variable (fail fast, never at the
 * first call).
 */
const EnvSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Postgres to use. Unset: the embedded PGlite database under DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  /** Port where the embedded database accepts psql (Postgres protocol); 0 turns it off. */
  EMBEDDED_DB_PORT: Type.Integer({ default: 5433, minimum: 0, maximum: 65535 }),
  /**
   * Longest a lookup may take before the service answers 503 so FreeSWITCH
   * falls back to its static XML. Keep it well under the xml_curl binding
   * timeout (freeswitch-conf/ sets 5 s): FreeSWITCH waits the whole binding
   * timeout otherwise, blocking the SIP thread (facts §1).
   */
  LOOKUP_BUDGET_MS: Type.Integer({ default: 1500, minimum: 50, maximum: 30000 }),
  /** HTTP basic auth for /freeswitch, matching xml_curl's gateway-credentials. Both or neither. */
  XML_CURL_USERNAME: Type.Optional(Type.String({ minLength: 1, pattern: '^[^:]+$' })),
  XML_CURL_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * What a confirm leg hears before pressing 1: a file of the installed sound
   * pack (a missing file kills the leg in FreeSWITCH), or tone_stream:// /
   * silence_stream:// where none is installed.
   */
  FOLLOWME_CONFIRM_PROMPT: Type.String({ default: 'ivr/ivr-accept_reject.wav', pattern: '^[A-Za-z0-9_./:%(),=@+-]{1,200}$' }),
  /** Seconds an answered confirm leg has to hear the prompt and press 1. */
  FOLLOWME_CONFIRM_TIMEOUT_S: Type.Integer({ default: 20, minimum: 5, maximum: 120 }),
  /** mod_voicemail profile used for voicemail (vanilla: default). */
  VOICEMAIL_PROFILE: Type.String({ default: 'default', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  /** Serve GET /explain (shows how calls would ring). Off by default: it reveals the routing. */
  EXPLAIN_ENABLED: Type.Boolean({ default: false }),
})

type Env = Static<typeof EnvSchema>

export type LogLevel = Env['LOG_LEVEL']

export type DatabaseConfig =
  | { kind: 'postgres'; url: string }
  | { kind: 'embedded'; dataDir: string; socketPort: number }

export interface Config {
  host: string
  port: number
  logLevel: LogLevel
  database: DatabaseConfig
  lookupBudgetMs: number
  basicAuth: { username: string; password: string } | undefined
  followMe: { confirmPrompt: string; confirmTimeoutS: number; voicemailProfile: string }
  explainEnabled: boolean
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let parsed: Env
  try {
    parsed = envSchema<Env>({ schema: EnvSchema, data: { ...env }, env: false, dotenv: false })
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`)
  }

  const { XML_CURL_USERNAME: username, XML_CURL_PASSWORD: password } = parsed
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError('invalid configuration: set both XML_CURL_USERNAME and XML_CURL_PASSWORD, or neither')
  }

  return {
    host: parsed.HOST,
    port: parsed.PORT,
    logLevel: parsed.LOG_LEVEL,
    database:
      parsed.DATABASE_URL !== undefined
        ? { kind: 'postgres', url: parsed.DATABASE_URL }
        : { kind: 'embedded', dataDir: parsed.DATA_DIR, socketPort: parsed.EMBEDDED_DB_PORT },
    lookupBudgetMs: parsed.LOOKUP_BUDGET_MS,
    basicAuth: username !== undefined && password !== undefined ? { username, password } : undefined,
    followMe: {
      confirmPrompt: parsed.FOLLOWME_CONFIRM_PROMPT,
      confirmTimeoutS: parsed.FOLLOWME_CONFIRM_TIMEOUT_S,
      voicemailProfile: parsed.VOICEMAIL_PROFILE,
    },
    explainEnabled: parsed.EXPLAIN_ENABLED,
  }
}
