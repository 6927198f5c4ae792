import t from 'tap'
import { loadConfig } from '../src/config.js'

t.test('defaults: embedded database, 127.0.0.1:8080', async (t) => {
  t.strictSame(loadConfig({}), {
    host: '127.0.0.1',
    port: 8080,
    logLevel: 'info',
    database: { kind: 'embedded', dataDir: './data', port: 5433 },
    lookupBudgetMs: 1500,
    basicAuth: undefined,
    followMe: {
      confirmPrompt: 'ivr/ivr-accept_reject.wav',
      confirmTimeoutS: 20,
      voicemailProfile: 'default',
      toggleCode: '*21',
      prompts: {
        on: 'ivr/ivr-call_forwarding_has_been_set.wav',
        off: 'ivr/ivr-call_forwarding_has_been_cancelled.wav',
        unavailable: 'ivr/ivr-this_feature.wav',
        'not-allowed': 'ivr/ivr-call_rejected.wav',
      },
    },
    eventSockets: [],
    registrationHistoryHours: 24,
    forwarding: {
      codes: { forwardAllOn: '*72', forwardAllOff: '*73', forwardAllToggle: '*74', dndOn: '*78', dndOff: '*79', dndToggle: '*77' },
      prompts: {
        dnd: { on: 'ivr/ivr-dnd_activated.wav', off: 'ivr/ivr-dnd_cancelled.wav' },
        'forward-all': { on: 'ivr/ivr-call_forwarding_has_been_set.wav', off: 'ivr/ivr-call_forwarding_has_been_cancelled.wav' },
      },
    },
    presenceDefaultDomain: undefined,
    dialByName: { directoryCode: '*411', directoryProfile: 'default' },
    explainEnabled: false,
    metricsEnabled: false,
    lookupCache: { maxEntries: 300_000 },
    // The embedded database is the demo: the user portal is on.
    portal: { host: '127.0.0.1', port: 8081, sessionKey: undefined },
    tls: undefined,
  })
})

t.test('DND and forward-all codes: configurable, each meaning one thing', async (t) => {
  const codes = loadConfig({ FEATURE_CODE_DND_ON: '*363', FEATURE_CODE_FORWARD_ALL_ON: '*6' }).forwarding.codes
  t.equal(codes.dndOn, '*363')
  t.equal(codes.forwardAllOn, '*6')
  t.throws(() => loadConfig({ FEATURE_CODE_DND_ON: '*79' }), { name: 'ConfigError', message: /feature code \*79 is set twice/ })
  t.throws(() => loadConfig({ FEATURE_CODE_DND_ON: '*21' }), { name: 'ConfigError', message: /feature code \*21 is set twice/ }, 'not *21 either')
  t.throws(() => loadConfig({ FEATURE_CODE_DND_ON: '*721' }), { name: 'ConfigError', message: /\*721 starts with FEATURE_CODE_FORWARD_ALL_ON \*72/ })
  t.throws(() => loadConfig({ FEATURE_CODE_DND_OFF: '79' }), { name: 'ConfigError', message: /FEATURE_CODE_DND_OFF/ })
  t.throws(() => loadConfig({ DND_PROMPT_ON: 'a b' }), { name: 'ConfigError', message: /DND_PROMPT_ON/ })
})

t.test('the user portal: off in production unless PORTAL_PORT says so; on in the demo unless off', async (t) => {
  const prod = { DATABASE_URL: 'postgres://db/pbx' }
  t.equal(loadConfig(prod).portal, undefined)
  t.strictSame(loadConfig({ ...prod, PORTAL_PORT: '9443', PORTAL_HOST: '0.0.0.0' }).portal, { host: '0.0.0.0', port: 9443, sessionKey: undefined })
  t.equal(loadConfig({ PORTAL_PORT: 'off' }).portal, undefined)
  const key = 'ab'.repeat(32)
  t.strictSame(loadConfig({ PORTAL_SESSION_KEY: key }).portal?.sessionKey, Buffer.from(key, 'hex'))
  t.throws(() => loadConfig({ PORTAL_SESSION_KEY: 'short' }), /PORTAL_SESSION_KEY/)
  t.throws(() => loadConfig({ PORTAL_PORT: 'yes' }), /PORTAL_PORT/)
  t.throws(() => loadConfig({ PORTAL_PORT: '70000' }), /PORTAL_PORT=70000 is not a port/)
})

t.test('TLS: both files or neither, read once at start', async (t) => {
  const dir = t.testdir({ 'cert.pem': 'CERT', 'key.pem': 'KEY' })
  const config = loadConfig({ TLS_CERT_FILE: `${dir}/cert.pem`, TLS_KEY_FILE: `${dir}/key.pem`, METRICS_ENABLED: 'true' })
  t.strictSame(config.tls, { cert: Buffer.from('CERT'), key: Buffer.from('KEY') })
  t.equal(config.metricsEnabled, true)
  t.equal(loadConfig({ LOOKUP_CACHE: 'off' }).lookupCache, undefined)
  t.strictSame(loadConfig({ LOOKUP_CACHE_MAX_ENTRIES: '5000' }).lookupCache, { maxEntries: 5000 })
  t.throws(() => loadConfig({ TLS_CERT_FILE: `${dir}/cert.pem` }), { name: 'ConfigError', message: /TLS_CERT_FILE and TLS_KEY_FILE/ })
  t.throws(() => loadConfig({ TLS_CERT_FILE: `${dir}/cert.pem`, TLS_KEY_FILE: `${dir}/missing.pem` }), {
    name: 'ConfigError',
    message: /TLS_KEY_FILE=.*missing\.pem cannot be read \(ENOENT\)/,
  })
})

t.test('environment overrides', async (t) => {
  const config = loadConfig({
    HOST: '0.0.0.0',
    PORT: '9000',
    DATABASE_URL: 'postgres://u@db.example.com/pbx',
    LOOKUP_BUDGET_MS: '800',
    XML_CURL_USERNAME: 'freeswitch',
    XML_CURL_PASSWORD: 'secret',
    LOG_LEVEL: 'warn',
    FOLLOWME_CONFIRM_PROMPT: 'tone_stream://%(200,0,800)',
    FOLLOWME_CONFIRM_TIMEOUT_S: '30',
    VOICEMAIL_PROFILE: 'tenant_vm',
    EXPLAIN_ENABLED: 'true',
    FEATURE_CODE_TOGGLE: '*55',
    FOLLOWME_PROMPT_ON: 'tone_stream://%(500,0,800)',
    ESL_PASSWORD: 'ClueCon',
    ESL_PORT: '8022',
    PRESENCE_DEFAULT_DOMAIN: 'pbx.example.com',
  })
  t.equal(config.followMe.toggleCode, '*55')
  t.equal(config.followMe.prompts.on, 'tone_stream://%(500,0,800)')
  t.strictSame(config.eventSockets, [{ host: '127.0.0.1', port: 8022, password: 'ClueCon' }], 'the single-node variables still work')
  t.equal(config.registrationHistoryHours, 24)
  t.equal(config.presenceDefaultDomain, 'pbx.example.com')
  t.match(config.followMe, { confirmPrompt: 'tone_stream://%(200,0,800)', confirmTimeoutS: 30, voicemailProfile: 'tenant_vm' })
  t.equal(config.explainEnabled, true)
  t.strictSame(config.database, { kind: 'postgres', url: 'postgres://u@db.example.com/pbx' })
  t.equal(config.port, 9000)
  t.equal(config.lookupBudgetMs, 800)
  t.strictSame(config.basicAuth, { username: 'freeswitch', password: 'secret' })
  t.equal(config.logLevel, 'warn')
})

t.test('ESL_NODES: one event socket per FreeSWITCH node, all with ESL_PASSWORD', async (t) => {
  const config = loadConfig({ ESL_PASSWORD: 'ClueCon', ESL_NODES: 'fs1.example.com,10.0.0.2:8022,[2001:db8::5]:8023', REGISTRATION_HISTORY_HOURS: '48' })
  t.strictSame(config.eventSockets, [
    { host: 'fs1.example.com', port: 8021, password: 'ClueCon' },
    { host: '10.0.0.2', port: 8022, password: 'ClueCon' },
    { host: '2001:db8::5', port: 8023, password: 'ClueCon' },
  ])
  t.equal(config.registrationHistoryHours, 48)
  t.strictSame(loadConfig({}).eventSockets, [], 'no password: no event socket')
  t.throws(() => loadConfig({ ESL_NODES: 'fs1' }), { message: /ESL_NODES needs ESL_PASSWORD/ })
  t.throws(() => loadConfig({ ESL_PASSWORD: 'x', ESL_NODES: 'fs1:99999' }), { message: /ESL_NODES entry "fs1:99999"/ })
  t.throws(() => loadConfig({ ESL_PASSWORD: 'x', ESL_NODES: 'fs1,,fs2' }), { message: /ESL_NODES entry ""/ })
  t.throws(() => loadConfig({ ESL_PASSWORD: 'x', ESL_NODES: 'fs1,fs1:8021' }), { message: /lists fs1:8021 twice/ })
  t.throws(() => loadConfig({ REGISTRATION_HISTORY_HOURS: '0' }), { message: /REGISTRATION_HISTORY_HOURS/ })
})

t.test('bad values fail fast, naming the variable', async (t) => {
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ LOOKUP_BUDGET_MS: '10' }, /LOOKUP_BUDGET_MS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ XML_CURL_USERNAME: 'freeswitch' }, /XML_CURL_PASSWORD/],
    [{ XML_CURL_PASSWORD: 'secret' }, /XML_CURL_USERNAME/],
    [{ XML_CURL_USERNAME: 'a:b', XML_CURL_PASSWORD: 'x' }, /XML_CURL_USERNAME/],
    [{ FOLLOWME_CONFIRM_PROMPT: 'ivr/x.wav ${hangup}' }, /FOLLOWME_CONFIRM_PROMPT/],
    [{ FOLLOWME_CONFIRM_TIMEOUT_S: '2' }, /FOLLOWME_CONFIRM_TIMEOUT_S/],
    [{ VOICEMAIL_PROFILE: 'a b' }, /VOICEMAIL_PROFILE/],
    [{ EXPLAIN_ENABLED: 'maybe' }, /EXPLAIN_ENABLED/],
    [{ FEATURE_CODE_TOGGLE: '21' }, /FEATURE_CODE_TOGGLE/],
    [{ FOLLOWME_PROMPT_OFF: 'a b.wav' }, /FOLLOWME_PROMPT_OFF/],
    [{ PRESENCE_DEFAULT_DOMAIN: 'Not A Domain' }, /PRESENCE_DEFAULT_DOMAIN/],
    [{ EMBEDDED_DB_PORT: '0' }, /EMBEDDED_DB_PORT/],
    [{ METRICS_ENABLED: 'sometimes' }, /METRICS_ENABLED/],
    [{ LOOKUP_CACHE: 'maybe' }, /LOOKUP_CACHE/],
    [{ LOOKUP_CACHE_MAX_ENTRIES: '10' }, /LOOKUP_CACHE_MAX_ENTRIES/],
  ]
  for (const [env, message] of bad) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
  }
})
