import { readFileSync } from 'node:fs'
import { envSchema } from 'env-schema'
import { Type, type Static } from '@sinclair/typebox'
import type { ForwardingCodes } from './forwards/feature-codes.js'

/**
 * Every setting the service reads, validated once at start. A bad value stops
 * the process with a message naming the variable (fail fast, never at the
 * first call).
 */
/** A sound FreeSWITCH can play: a file path, tone_stream:// or silence_stream:// (no spaces, no $). */
const PROMPT = '^[A-Za-z0-9_./:%(),=@+!-]{1,200}$'
const DOMAIN = '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$'
const FEATURE_CODE = '^\\*[0-9]{1,4}$'

const EnvSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Postgres to use. Unset: the embedded PostgreSQL the service runs under DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /**
   * A read replica of DATABASE_URL for lookups (writes, such as *21, and the
   * change notices go to DATABASE_URL). Its lag delays what lookups see.
   */
  DATABASE_READ_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  /** Port on 127.0.0.1 where the embedded PostgreSQL listens (the service and psql connect there). */
  EMBEDDED_DB_PORT: Type.Integer({ default: 5433, minimum: 1, maximum: 65535 }),
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
  FOLLOWME_CONFIRM_PROMPT: Type.String({ default: 'ivr/ivr-accept_reject.wav', pattern: PROMPT }),
  /** Seconds an answered confirm leg has to hear the prompt and press 1. */
  FOLLOWME_CONFIRM_TIMEOUT_S: Type.Integer({ default: 20, minimum: 5, maximum: 120 }),
  /** mod_voicemail profile used for voicemail (vanilla: default). */
  VOICEMAIL_PROFILE: Type.String({ default: 'default', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  /** What a phone dials to toggle its Follow Me. */
  FEATURE_CODE_TOGGLE: Type.String({ default: '*21', pattern: '^\\*[0-9]{1,4}$' }),
  /** Announcements after *21 or the fm<EXT> key (sound-pack files of freeswitch-sounds-en-us-callie, or tone_stream://). */
  FOLLOWME_PROMPT_ON: Type.String({ default: 'ivr/ivr-call_forwarding_has_been_set.wav', pattern: PROMPT }),
  FOLLOWME_PROMPT_OFF: Type.String({ default: 'ivr/ivr-call_forwarding_has_been_cancelled.wav', pattern: PROMPT }),
  FOLLOWME_PROMPT_UNAVAILABLE: Type.String({ default: 'ivr/ivr-this_feature.wav', pattern: PROMPT }),
  FOLLOWME_PROMPT_NOT_ALLOWED: Type.String({ default: 'ivr/ivr-call_rejected.wav', pattern: PROMPT }),
  /**
   * DND and forward-all feature codes (defaults as FusionPBX's dialplans):
   * *72<number> forward all to that number (*72 alone: the last one again),
   * *73 off, *74 toggle; *78 DND on, *79 off, *77 toggle.
   */
  FEATURE_CODE_FORWARD_ALL_ON: Type.String({ default: '*72', pattern: FEATURE_CODE }),
  FEATURE_CODE_FORWARD_ALL_OFF: Type.String({ default: '*73', pattern: FEATURE_CODE }),
  FEATURE_CODE_FORWARD_ALL_TOGGLE: Type.String({ default: '*74', pattern: FEATURE_CODE }),
  FEATURE_CODE_DND_ON: Type.String({ default: '*78', pattern: FEATURE_CODE }),
  FEATURE_CODE_DND_OFF: Type.String({ default: '*79', pattern: FEATURE_CODE }),
  FEATURE_CODE_DND_TOGGLE: Type.String({ default: '*77', pattern: FEATURE_CODE }),
  /** Dial-by-name: the code that runs mod_directory for the caller's tenant, and its directory.conf.xml profile. */
  FEATURE_CODE_DIRECTORY: Type.String({ default: '*411', pattern: FEATURE_CODE }),
  DIRECTORY_PROFILE: Type.String({ default: 'default', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  /** Announcements after them (and the dnd<EXT>/cf<EXT> keys); refusals play FOLLOWME_PROMPT_UNAVAILABLE / _NOT_ALLOWED. */
  FORWARD_PROMPT_ON: Type.String({ default: 'ivr/ivr-call_forwarding_has_been_set.wav', pattern: PROMPT }),
  FORWARD_PROMPT_OFF: Type.String({ default: 'ivr/ivr-call_forwarding_has_been_cancelled.wav', pattern: PROMPT }),
  DND_PROMPT_ON: Type.String({ default: 'ivr/ivr-dnd_activated.wav', pattern: PROMPT }),
  DND_PROMPT_OFF: Type.String({ default: 'ivr/ivr-dnd_cancelled.wav', pattern: PROMPT }),
  /** FreeSWITCH's event socket, for the fm<EXT> BLF lamps. Unset password: no event socket. */
  ESL_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  ESL_PORT: Type.Integer({ default: 8021, minimum: 1, maximum: 65535 }),
  ESL_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Several FreeSWITCH nodes: host[:port] (port 8021 by default; IPv6 in
   * brackets) separated by commas, each with ESL_PASSWORD. Replaces
   * ESL_HOST/ESL_PORT when set.
   */
  ESL_NODES: Type.Optional(Type.String({ minLength: 1, pattern: '^[^\\s]+$' })),
  /** Hours of registration history (registration_events, registration_failures) kept. */
  REGISTRATION_HISTORY_HOURS: Type.Integer({ default: 24, minimum: 1, maximum: 24 * 366 }),
  /** Domain for lamps that phones subscribe at an address rather than a domain (fm100@192.0.2.10). */
  PRESENCE_DEFAULT_DOMAIN: Type.Optional(Type.String({ pattern: DOMAIN })),
  /** Serve GET /explain (shows how calls would ring). Off by default: it reveals the routing. */
  EXPLAIN_ENABLED: Type.Boolean({ default: false }),
  /**
   * Keep answers in memory until the rows behind them change (announced by
   * the database: LISTEN lookup_changed). off: every lookup reads the
   * database; needed where LISTEN does not work (a transaction-mode pooler).
   */
  LOOKUP_CACHE: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  LOOKUP_CACHE_MAX_ENTRIES: Type.Integer({ default: 300_000, minimum: 1000, maximum: 10_000_000 }),
  /** Serve GET /metrics (Prometheus), behind the same basic auth as /freeswitch when that is on. */
  METRICS_ENABLED: Type.Boolean({ default: false }),
  /**
   * The user portal's own listener (src/portal). Unset: off, except with the
   * embedded database (the demo), where it listens on 8081. off: never.
   */
  PORTAL_PORT: Type.Optional(Type.String({ pattern: '^(off|[0-9]{1,5})$' })),
  PORTAL_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  /**
   * 64 hex digits (32 bytes) that encrypt the portal's session cookies. Set
   * it to keep users logged in across restarts and across instances; unset,
   * each process makes a random one.
   */
  PORTAL_SESSION_KEY: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
  /** PEM files: serve HTTPS (mod_xml_curl's gateway-url https://…). Both or neither. */
  TLS_CERT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  TLS_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
})

type Env = Static<typeof EnvSchema>

export type LogLevel = Env['LOG_LEVEL']

export type DatabaseConfig =
  | { kind: 'postgres'; url: string; readUrl?: string }
  | { kind: 'embedded'; dataDir: string; port: number }

export interface Config {
  host: string
  port: number
  logLevel: LogLevel
  database: DatabaseConfig
  lookupBudgetMs: number
  basicAuth: { username: string; password: string } | undefined
  followMe: {
    confirmPrompt: string
    confirmTimeoutS: number
    voicemailProfile: string
    toggleCode: string
    prompts: { on: string; off: string; unavailable: string; 'not-allowed': string }
  }
  /** One per FreeSWITCH node; empty: no event socket, no BLF lamps, no live status. */
  eventSockets: Array<{ host: string; port: number; password: string }>
  registrationHistoryHours: number
  forwarding: {
    codes: ForwardingCodes
    prompts: { dnd: { on: string; off: string }; 'forward-all': { on: string; off: string } }
  }
  presenceDefaultDomain: string | undefined
  /** Dial-by-name (src/dialbyname). */
  dialByName: { directoryCode: string; directoryProfile: string }
  explainEnabled: boolean
  metricsEnabled: boolean
  /** Undefined: no lookup cache. */
  lookupCache: { maxEntries: number } | undefined
  /** The user portal's listener; undefined: no portal. */
  portal: { host: string; port: number; sessionKey: Buffer | undefined } | undefined
  /** PEM contents, read once at start. Undefined: plain HTTP. */
  tls: { cert: Buffer; key: Buffer } | undefined
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
  if (parsed.DATABASE_READ_URL !== undefined && parsed.DATABASE_URL === undefined) {
    throw new ConfigError('invalid configuration: DATABASE_READ_URL needs DATABASE_URL (the primary, for writes)')
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError('invalid configuration: set both XML_CURL_USERNAME and XML_CURL_PASSWORD, or neither')
  }

  const codes: ForwardingCodes = {
    forwardAllOn: parsed.FEATURE_CODE_FORWARD_ALL_ON,
    forwardAllOff: parsed.FEATURE_CODE_FORWARD_ALL_OFF,
    forwardAllToggle: parsed.FEATURE_CODE_FORWARD_ALL_TOGGLE,
    dndOn: parsed.FEATURE_CODE_DND_ON,
    dndOff: parsed.FEATURE_CODE_DND_OFF,
    dndToggle: parsed.FEATURE_CODE_DND_TOGGLE,
  }
  // Each code means one thing, and *72<number> takes no other code's place.
  const all = [parsed.FEATURE_CODE_TOGGLE, parsed.FEATURE_CODE_DIRECTORY, ...Object.values(codes)]
  const duplicate = all.find((code, i) => all.indexOf(code) !== i)
  if (duplicate !== undefined) throw new ConfigError(`invalid configuration: feature code ${duplicate} is set twice (FEATURE_CODE_*)`)
  const swallowed = all.find((code) => code !== codes.forwardAllOn && code.startsWith(codes.forwardAllOn))
  if (swallowed !== undefined) {
    throw new ConfigError(`invalid configuration: feature code ${swallowed} starts with FEATURE_CODE_FORWARD_ALL_ON ${codes.forwardAllOn}, which takes a number after it`)
  }

  return {
    host: parsed.HOST,
    port: parsed.PORT,
    logLevel: parsed.LOG_LEVEL,
    database:
      parsed.DATABASE_URL !== undefined
        ? { kind: 'postgres', url: parsed.DATABASE_URL, ...(parsed.DATABASE_READ_URL !== undefined ? { readUrl: parsed.DATABASE_READ_URL } : {}) }
        : { kind: 'embedded', dataDir: parsed.DATA_DIR, port: parsed.EMBEDDED_DB_PORT },
    lookupBudgetMs: parsed.LOOKUP_BUDGET_MS,
    basicAuth: username !== undefined && password !== undefined ? { username, password } : undefined,
    followMe: {
      confirmPrompt: parsed.FOLLOWME_CONFIRM_PROMPT,
      confirmTimeoutS: parsed.FOLLOWME_CONFIRM_TIMEOUT_S,
      voicemailProfile: parsed.VOICEMAIL_PROFILE,
      toggleCode: parsed.FEATURE_CODE_TOGGLE,
      prompts: {
        on: parsed.FOLLOWME_PROMPT_ON,
        off: parsed.FOLLOWME_PROMPT_OFF,
        unavailable: parsed.FOLLOWME_PROMPT_UNAVAILABLE,
        'not-allowed': parsed.FOLLOWME_PROMPT_NOT_ALLOWED,
      },
    },
    eventSockets: eventSockets(parsed),
    registrationHistoryHours: parsed.REGISTRATION_HISTORY_HOURS,
    forwarding: {
      codes,
      prompts: {
        dnd: { on: parsed.DND_PROMPT_ON, off: parsed.DND_PROMPT_OFF },
        'forward-all': { on: parsed.FORWARD_PROMPT_ON, off: parsed.FORWARD_PROMPT_OFF },
      },
    },
    presenceDefaultDomain: parsed.PRESENCE_DEFAULT_DOMAIN,
    dialByName: { directoryCode: parsed.FEATURE_CODE_DIRECTORY, directoryProfile: parsed.DIRECTORY_PROFILE },
    explainEnabled: parsed.EXPLAIN_ENABLED,
    metricsEnabled: parsed.METRICS_ENABLED,
    lookupCache: parsed.LOOKUP_CACHE === 'on' ? { maxEntries: parsed.LOOKUP_CACHE_MAX_ENTRIES } : undefined,
    portal: portalConfig(parsed),
    tls: readTls(parsed.TLS_CERT_FILE, parsed.TLS_KEY_FILE),
  }
}

function eventSockets(parsed: Env): Config['eventSockets'] {
  const password = parsed.ESL_PASSWORD
  if (parsed.ESL_NODES === undefined) return password === undefined ? [] : [{ host: parsed.ESL_HOST, port: parsed.ESL_PORT, password }]
  if (password === undefined) throw new ConfigError('invalid configuration: ESL_NODES needs ESL_PASSWORD')
  const nodes = parsed.ESL_NODES.split(',').map((entry) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::([0-9]{1,5}))?$/.exec(entry)
    const port = match?.[3] === undefined ? 8021 : Number(match[3])
    if (match === null || port < 1 || port > 65535) {
      throw new ConfigError(`invalid configuration: ESL_NODES entry "${entry}" is not host[:port] (IPv6 as [addr]:port)`)
    }
    return { host: match[1] ?? match[2] ?? '', port, password }
  })
  const labels = nodes.map((n) => `${n.host}:${n.port}`)
  const twice = labels.find((label, i) => labels.indexOf(label) !== i)
  if (twice !== undefined) throw new ConfigError(`invalid configuration: ESL_NODES lists ${twice} twice`)
  return nodes
}

/** The demo (embedded database) gets the portal on 8081 unless told otherwise; production only when PORTAL_PORT says so. */
export const DEMO_PORTAL_PORT = 8081

function portalConfig(parsed: Env): Config['portal'] {
  const setting = parsed.PORTAL_PORT
  if (setting === 'off') return undefined
  const port = setting !== undefined ? Number(setting) : parsed.DATABASE_URL === undefined ? DEMO_PORTAL_PORT : undefined
  if (port === undefined) return undefined
  if (port > 65535) throw new ConfigError(`invalid configuration: PORTAL_PORT=${setting} is not a port`)
  const key = parsed.PORTAL_SESSION_KEY
  return { host: parsed.PORTAL_HOST, port, sessionKey: key === undefined ? undefined : Buffer.from(key, 'hex') }
}

function readTls(certFile: string | undefined, keyFile: string | undefined): Config['tls'] {
  if (certFile === undefined && keyFile === undefined) return undefined
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError('invalid configuration: set both TLS_CERT_FILE and TLS_KEY_FILE, or neither')
  }
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file)
    } catch (err) {
      throw new ConfigError(`invalid configuration: ${name}=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }
  return { cert: read('TLS_CERT_FILE', certFile), key: read('TLS_KEY_FILE', keyFile) }
}
