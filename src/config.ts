import { readFileSync } from 'node:fs'
import { envSchema } from 'env-schema'
import { EnvSchema, type Env } from './env-schema.js'
import type { ForwardingCodes } from './forwards/feature-codes.js'

/**
 * The service's settings, read from the environment once at start
 * (env-schema.ts says what each variable means); a bad value stops the
 * process with a message naming the variable.
 */

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
