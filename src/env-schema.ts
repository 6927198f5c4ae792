import { Type, type Static } from '@sinclair/typebox'

/**
 * Every environment variable the service reads, with its default and the
 * shape it must have: validated once at start by config.ts (fail fast, never
 * at the first call). The README's Configuration table lists the same.
 */

/** A sound FreeSWITCH can play: a file path, tone_stream:// or silence_stream:// (no spaces, no $). */
const PROMPT = '^[A-Za-z0-9_./:%(),=@+!-]{1,200}$'
const DOMAIN = '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$'
const FEATURE_CODE = '^\\*[0-9]{1,4}$'

export const EnvSchema = Type.Object({
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

export type Env = Static<typeof EnvSchema>
