/**
 * The end-to-end harness: a real FreeSWITCH with a minimal configuration
 * generated into a temporary directory, the service in this process on an
 * embedded PostgreSQL, sipp phones, and a reader of FreeSWITCH's events.
 * Linux only (it reads /proc/net/udp), like the FreeSWITCH builds it runs.
 *
 * Nothing here knows Follow Me: followme.e2e.ts writes the rows and says
 * what must happen.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { accessSync, constants, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { Socket, createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { app } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { until as pollUntil } from '../helpers/until.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const REPO = resolve(HERE, '..', '..')
/** What operators copy into FreeSWITCH; the generated configuration reuses it. */
const SHIPPED_CONF = join(REPO, 'freeswitch-conf')
const SIPP_DIR = join(HERE, 'sipp')

// ---------------------------------------------------------------------------
// What the suite needs, or why it skips

export interface Tools {
  freeswitch: string
  modDir: string
  sipp: string
  /** The OPTIONAL_MODULES found in modDir: loaded, and their cases run. */
  optional: ReadonlySet<OptionalModule>
}

/** The FreeSWITCH modules the generated configuration loads, in load order. */
export const MODULES = [
  'mod_console',
  'mod_logfile',
  // Before mod_sofia: the profiles' start-up domain lookup must reach the
  // service (freeswitch-conf/README.md §1).
  'mod_xml_curl',
  'mod_event_socket',
  'mod_sofia',
  'mod_commands',
  'mod_dptools',
  'mod_dialplan_xml',
  'mod_tone_stream',
  'mod_sndfile',
] as const

/**
 * Loaded when modDir has them; without one, only the cases that need it
 * skip (one line each). mod_directory: dial-by-name (caller-id.e2e.ts).
 */
export const OPTIONAL_MODULES = ['mod_directory'] as const
export type OptionalModule = (typeof OPTIONAL_MODULES)[number]

/** What the generated configuration loads, in load order. */
export function modulesOf(tools: Pick<Tools, 'optional'>): string[] {
  return [...MODULES, ...OPTIONAL_MODULES.filter((m) => tools.optional.has(m))]
}

/**
 * FREESWITCH_BIN (required), FREESWITCH_MOD_DIR (default: the binary's
 * <prefix>/lib/freeswitch/mod) and sipp on PATH. LD_LIBRARY_PATH is passed
 * through untouched. Anything missing: the reason to skip, in one line.
 */
export function findTools(env: NodeJS.ProcessEnv = process.env): { tools: Tools } | { skip: string } {
  const bin = env.FREESWITCH_BIN
  if (bin === undefined || bin === '') return { skip: 'FREESWITCH_BIN is not set: point it at a freeswitch binary (and put sipp on PATH) to run the end-to-end suite' }
  if (!isExecutableFile(bin)) return { skip: `FREESWITCH_BIN=${bin} is not an executable file` }
  const sipp = onPath('sipp', env.PATH ?? '')
  if (sipp === undefined) return { skip: 'sipp is not on PATH' }
  const modDir = env.FREESWITCH_MOD_DIR ?? join(dirname(dirname(resolve(bin))), 'lib', 'freeswitch', 'mod')
  const missing = MODULES.filter((m) => !existsSync(join(modDir, `${m}.so`)))
  if (missing.length > 0) return { skip: `${missing.join(', ')} not found in ${modDir} (set FREESWITCH_MOD_DIR)` }
  const optional = new Set(OPTIONAL_MODULES.filter((m) => existsSync(join(modDir, `${m}.so`))))
  return { tools: { freeswitch: resolve(bin), modDir, sipp, optional } }
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function onPath(name: string, path: string): string | undefined {
  return path
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => join(d, name))
    .find(isExecutableFile)
}

// ---------------------------------------------------------------------------
// Ports: everything on 127.0.0.1, every port checked free (other FreeSWITCH
// or sipp processes may run on this machine).

const handedOut = new Set<number>()

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createSocket('udp4')
    socket.once('error', () => {
      socket.close()
      done(false)
    })
    socket.bind(port, '127.0.0.1', () => socket.close(() => done(true)))
  })
}

function canBindTcp(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)))
  })
}

/** A port free for both TCP and UDP (sofia listens on both). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await new Promise<number>((done, fail) => {
      const server = createServer()
      server.once('error', fail)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        server.close(() => done(typeof address === 'object' && address !== null ? address.port : 0))
      })
    })
    if (port > 0 && !handedOut.has(port) && (await canBindUdp(port))) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error('no free port on 127.0.0.1')
}

/** `count` consecutive ports free for UDP and TCP (RTP ranges, sipp's media ports). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * ((40000 - count) / 2))
    let free = true
    for (let p = base; p < base + count && free; p++) {
      free = !handedOut.has(p) && (await canBindUdp(p)) && (await canBindTcp(p))
    }
    if (free) {
      for (let p = base; p < base + count; p++) handedOut.add(p)
      return base
    }
  }
  throw new Error(`no ${count} consecutive free ports on 127.0.0.1`)
}

/** Whether some process has bound UDP 127.0.0.1:port (read from /proc: no bind race). */
async function udpPortBound(port: number): Promise<boolean> {
  const table = await readFile('/proc/net/udp', 'utf8')
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(wanted) === true)
}

// ---------------------------------------------------------------------------
// Waiting without sleeping for a fixed time: poll a condition until a deadline.

/**
 * test/helpers/until.ts's until with this suite's habits: a probe every
 * 50 ms, and a probe that throws (a socket not up yet) is tried again.
 */
export function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, everyMs = 50): Promise<T> {
  return pollUntil(what, timeoutMs, probe, { everyMs, retryErrors: true })
}

// ---------------------------------------------------------------------------
// The temporary directory and processes that must not outlive the test

/** A fresh directory under the system's temporary one, removed at the end (kept with E2E_KEEP_DIR=1). */
export async function makeTempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'followme-e2e-'))
  // mkdtemp makes it 0700; run as root, the embedded PostgreSQL runs as the
  // postgres account and must enter it to reach its own data directory.
  await chmod(dir, 0o711)
  if (process.env.E2E_KEEP_DIR === '1') {
    t.teardown(() => t.comment(`E2E_KEEP_DIR=1: kept ${dir}`))
    return dir
  }
  tellWatchdog(`+d${dir}`)
  t.teardown(async () => {
    await rm(dir, { recursive: true, force: true }).catch(() => {})
    tellWatchdog(`-d${dir}`)
  })
  return dir
}

/**
 * Children must not outlive the test even when its process dies without
 * running the teardowns (tap's timeout ends with SIGKILL): a FreeSWITCH left
 * behind would hold its ports. A small watchdog process keeps a list of live
 * pids (process groups negative) and of directories, read from its stdin;
 * when that pipe closes, however this process ended, it kills the processes
 * and removes the directories still listed.
 */
const WATCHDOG = `
const { rmSync } = require('node:fs')
const pids = new Set()
const dirs = new Set()
let pending = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  pending += chunk
  let i
  while ((i = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, i)
    pending = pending.slice(i + 1)
    const [op, kind, value] = [line[0], line[1], line.slice(2)]
    const set = kind === 'p' ? pids : dirs
    if (op === '+') set.add(value)
    else set.delete(value)
  }
})
process.stdin.on('end', () => {
  for (const pid of pids) try { process.kill(Number(pid), 'SIGKILL') } catch {}
  for (const dir of dirs) try { rmSync(dir, { recursive: true, force: true, maxRetries: 5 }) } catch {}
  process.exit(0)
})
// A Ctrl-C reaches the whole foreground group: outlive it, to clean up after.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {})
`
let watchdog: ChildProcess | undefined

function tellWatchdog(line: string): void {
  if (watchdog === undefined) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] })
    watchdog.unref()
    // Neither the watchdog nor its pipe may keep this process alive.
    if (watchdog.stdin instanceof Socket) watchdog.stdin.unref()
  }
  watchdog.stdin?.write(`${line}\n`)
}

function track(child: ChildProcess, group: boolean): void {
  if (child.pid === undefined) return
  const id = group ? -child.pid : child.pid
  tellWatchdog(`+p${id}`)
  child.once('exit', () => tellWatchdog(`-p${id}`))
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((done) => child.once('exit', (code) => done(code)))
}

async function stopChild(child: ChildProcess, group: boolean, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const pid = group ? -child.pid : child.pid
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
  kill('SIGTERM')
  const timer = setTimeout(() => kill('SIGKILL'), graceMs)
  await exited(child)
  clearTimeout(timer)
}

// ---------------------------------------------------------------------------
// The service, in this process

export interface ServiceOptions {
  database: Database
  eventSocket: { port: number; password: string }
  /** Where its log goes (pino JSON lines, level info), to keep the TAP output readable. */
  logFile: string
  /** Environment variables on top of the suite's, as loadConfig reads them. */
  env?: Record<string, string>
  /** Gets every mod_xml_curl POST body, raw, before the service answers it. */
  onBody?: (body: string) => void
}

/**
 * The service as server.ts builds it (app plugin, listening on a free port
 * of 127.0.0.1), with prompts that need no sound pack: FreeSWITCH cannot
 * play a file that is not installed, and a confirm leg would die of it.
 */
export async function startService(t: Test, options: ServiceOptions): Promise<{ fastify: FastifyInstance; url: string }> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    EXPLAIN_ENABLED: 'false',
    ESL_HOST: '127.0.0.1',
    ESL_PORT: String(options.eventSocket.port),
    ESL_PASSWORD: options.eventSocket.password,
    FOLLOWME_CONFIRM_PROMPT: 'tone_stream://%(200,0,800)',
    FOLLOWME_PROMPT_ON: 'tone_stream://%(300,0,880)',
    FOLLOWME_PROMPT_OFF: 'tone_stream://%(300,0,440)',
    FOLLOWME_PROMPT_UNAVAILABLE: 'tone_stream://%(300,0,330)',
    FOLLOWME_PROMPT_NOT_ALLOWED: 'tone_stream://%(300,0,220)',
    ...options.env,
  })
  const stream = createWriteStream(options.logFile, { flags: 'a' })
  const fastify = Fastify({ logger: { level: config.logLevel, stream } })
  const { onBody } = options
  // Before the plugin, so that its routes inherit the hook.
  if (onBody !== undefined) {
    fastify.addHook('preHandler', async (req) => {
      if (typeof req.body === 'string') onBody(req.body)
    })
  }
  await fastify.register(app, { database: options.database, config })
  // tap stops running teardowns after one fails: none of ours may throw.
  t.teardown(async () => {
    await fastify.close().catch(() => {})
    await new Promise((done) => stream.end(done))
  })
  await fastify.listen({ host: config.host, port: config.port })
  const address = fastify.server.address()
  if (typeof address !== 'object' || address === null) throw new Error('the service is not listening')
  return { fastify, url: `http://127.0.0.1:${address.port}/freeswitch` }
}

// ---------------------------------------------------------------------------
// FreeSWITCH: its configuration and its process

export interface FreeSwitchOptions {
  /** The suite's temporary directory; FreeSWITCH's own directories go under it. */
  dir: string
  serviceUrl: string
  internalSipPort: number
  carrierSipPort: number
  eventSocket: { port: number; password: string }
  rtpPorts: { start: number; end: number }
  /** What to load, e.g. modulesOf(tools); default: MODULES only. */
  modules?: readonly string[]
}

function stripComments(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '')
}

/** Sets `<param name="…" value="…"/>` in a shipped file; throws if the file has no such param. */
function setParam(xml: string, name: string, value: string, file: string): string {
  const re = new RegExp(`(<param\\s+name="${name}"\\s+value=")[^"]*(")`)
  if (!re.test(xml)) throw new Error(`freeswitch-conf/${file} has no param ${name}`)
  return xml.replace(re, `$1${value}$2`)
}

const param = (name: string, value: string | number) => `<param name="${name}" value="${value}"/>`

/**
 * One freeswitch.xml with every section, plus copies of the shipped static
 * dialplan (public, followme_confirm) and the empty static directory, so the
 * fallbacks FreeSWITCH uses when the service cannot answer are the ones
 * operators install. mod_xml_curl's and mod_event_socket's files and the
 * internal profile's settings are the shipped ones too, with this run's
 * ports, URL and password.
 */
export async function writeFreeSwitchConfig(o: FreeSwitchOptions): Promise<string> {
  const conf = join(o.dir, 'conf')
  await mkdir(join(conf, 'dialplan'), { recursive: true })
  await mkdir(join(conf, 'directory'), { recursive: true })
  for (const file of await readdir(join(SHIPPED_CONF, 'dialplan'))) {
    if (file.endsWith('.xml')) await writeFile(join(conf, 'dialplan', file), await readFile(join(SHIPPED_CONF, 'dialplan', file)))
  }
  await writeFile(join(conf, 'directory', 'default.xml'), await readFile(join(SHIPPED_CONF, 'directory', 'default.xml')))

  const shipped = (file: string) => stripComments(readFileSync(join(SHIPPED_CONF, file), 'utf8')).trim()
  let xmlCurl = shipped('autoload_configs/xml_curl.conf.xml')
  xmlCurl = setParam(xmlCurl, 'gateway-url', o.serviceUrl, 'autoload_configs/xml_curl.conf.xml')
  let eventSocket = shipped('autoload_configs/event_socket.conf.xml')
  eventSocket = setParam(eventSocket, 'listen-ip', '127.0.0.1', 'autoload_configs/event_socket.conf.xml')
  eventSocket = setParam(eventSocket, 'listen-port', String(o.eventSocket.port), 'autoload_configs/event_socket.conf.xml')
  eventSocket = setParam(eventSocket, 'password', o.eventSocket.password, 'autoload_configs/event_socket.conf.xml')
  // Dial-by-name: the profile operators install, and prompts it can play.
  const modules = o.modules ?? MODULES
  const dialByName = modules.includes('mod_directory')
  const directoryConf = dialByName ? shipped('autoload_configs/directory.conf.xml') : ''
  // The settings the service relies on (multiple-registrations=contact,
  // auth-calls, manage-presence, presence-hosts, the "all" domains alias,
  // no force-*-domain): taken from the shipped file, not restated here.
  const internalSettings = shipped('sip_profiles/internal-settings.xml')
  const internalDomains = internalSettings.match(/<domain\b[^>]*\/>/g) ?? []
  const internalParams = internalSettings.match(/<param\b[^>]*\/>/g) ?? []

  // Loopback only: sip-ip/rtp-ip 127.0.0.1, no ext-sip-ip/ext-rtp-ip (no
  // STUN, and -nonat), no IPv6 profiles, no TLS, no WebSocket bindings.
  const common = [
    param('sip-ip', '127.0.0.1'),
    param('rtp-ip', '127.0.0.1'),
    param('dialplan', 'XML'),
    param('context', 'public'),
    param('inbound-codec-prefs', 'PCMU,PCMA'),
    param('outbound-codec-prefs', 'PCMU,PCMA'),
    param('inbound-codec-negotiation', 'generous'),
    param('inbound-late-negotiation', 'true'),
    param('rtp-timer-name', 'soft'),
    param('rfc2833-pt', '101'),
    param('dtmf-duration', '2000'),
    param('nonce-ttl', '60'),
  ]
  const xml = `<?xml version="1.0"?>
<!-- Generated by test/e2e/harness.ts for one test run. -->
<document type="freeswitch/xml">
  <!-- $\${domain} and $\${local_ip_v4} appear in the shipped profile settings. -->
  <X-PRE-PROCESS cmd="set" data="domain=127.0.0.1"/>
  <X-PRE-PROCESS cmd="set" data="local_ip_v4=127.0.0.1"/>
  <section name="configuration" description="Various Configuration">
    <configuration name="switch.conf" description="Core Configuration">
      <settings>
        ${param('loglevel', 'debug')}
        ${param('colorize-console', 'false')}
        ${param('dump-cores', 'no')}
        ${param('max-sessions', '200')}
        ${param('sessions-per-second', '100')}
        ${param('rtp-start-port', o.rtpPorts.start)}
        ${param('rtp-end-port', o.rtpPorts.end)}
      </settings>
    </configuration>
    <configuration name="modules.conf" description="Modules">
      <modules>
        ${modules.map((m) => `<load module="${m}"/>`).join('\n        ')}
      </modules>
    </configuration>
    <configuration name="console.conf" description="Console Logger">
      <mappings><map name="all" value="console,debug,info,notice,warning,err,crit,alert"/></mappings>
      <settings>${param('colorize', 'false')}${param('loglevel', 'warning')}</settings>
    </configuration>
    <configuration name="logfile.conf" description="File Logging">
      <settings>${param('rotate-on-hup', 'true')}</settings>
      <profiles>
        <profile name="default">
          <settings>${param('rollover', '0')}</settings>
          <mappings><map name="all" value="debug,info,notice,warning,err,crit,alert"/></mappings>
        </profile>
      </profiles>
    </configuration>
    <configuration name="acl.conf" description="Network Lists">
      <network-lists/>
    </configuration>
    ${xmlCurl}
    ${eventSocket}
    ${directoryConf}
    <configuration name="sofia.conf" description="sofia Endpoint">
      <global_settings>${param('log-level', '0')}</global_settings>
      <profiles>
        <!-- Phones: every REGISTER, INVITE and SUBSCRIBE is challenged. -->
        <profile name="internal">
          <domains>${internalDomains.join('')}</domains>
          <settings>
            ${internalParams.join('\n            ')}
            ${common.join('\n            ')}
            ${param('sip-port', o.internalSipPort)}
            <!-- As vanilla: a BLF SUBSCRIBE is challenged too, and the realm is
                 the From host, the domain the service hashes a1 with. -->
            ${param('auth-subscriptions', 'true')}
            ${param('challenge-realm', 'auto_from')}
            ${param('log-auth-failures', 'true')}
          </settings>
        </profile>
        <!-- Carriers: no challenge, context public (DIDs only), like
             vanilla's external profile (freeswitch-conf/README.md §4). -->
        <profile name="carrier">
          <settings>
            ${common.join('\n            ')}
            ${param('sip-port', o.carrierSipPort)}
            ${param('auth-calls', 'false')}
            ${param('manage-presence', 'false')}
          </settings>
        </profile>
      </profiles>
    </configuration>
  </section>
  <section name="dialplan" description="Static fallback dialplan (freeswitch-conf/dialplan)">
    <X-PRE-PROCESS cmd="include" data="dialplan/*.xml"/>
  </section>
  <section name="directory" description="Empty static directory (freeswitch-conf/directory)">
    <X-PRE-PROCESS cmd="include" data="directory/*.xml"/>
  </section>
  ${dialByName ? directoryPhrases() : ''}
</document>
`
  await writeFile(join(conf, 'freeswitch.xml'), xml)
  return conf
}

/** mod_directory's phrase macros (mod_directory.c:55-63). */
const DIRECTORY_MACROS = [
  'directory_intro',
  'directory_min_search_digits',
  'directory_result_count',
  'directory_result_count_too_large',
  'directory_result_last',
  'directory_result_item',
  'directory_result_say_name',
  'directory_result_at',
  'directory_result_menu',
]

/**
 * mod_directory says everything through phrase macros, and a result is
 * chosen only while one plays or right after the menu macro: each is a
 * switch_ivr_read, which gives up without reading a key when its prompt
 * fails (switch_ivr_play_say.c:2558-2566), as a missing macro does. No
 * sound files here: every macro plays a 100 ms tone, in the `languages`
 * section switch_xml_locate_language reads first (switch_xml.c:3299-3350).
 */
function directoryPhrases(): string {
  const macro = (name: string) =>
    `<macro name="${name}"><input pattern="^(.*)$"><match><action function="play-file" data="tone_stream://%(100,0,700)"/></match></input></macro>`
  return `<section name="languages" description="Tone prompts for mod_directory">
    <language name="en" say-module="en">
      <phrases><macros>
        ${DIRECTORY_MACROS.map(macro).join('\n        ')}
      </macros></phrases>
    </language>
  </section>`
}

export class FreeSwitch {
  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  /**
   * Starts FreeSWITCH in the foreground (-nf), without console (-nc) or NAT
   * detection (-nonat), with every directory in the temporary one, in its own
   * process group so that stopping it stops everything it started; resolves
   * once its event socket accepts the password and both SIP profiles run.
   */
  static async start(t: Test, tools: Tools, o: FreeSwitchOptions): Promise<{ freeswitch: FreeSwitch; events: EventReader }> {
    const conf = await writeFreeSwitchConfig(o)
    const dirs: Record<string, string> = {}
    for (const name of ['log', 'db', 'run', 'temp', 'storage', 'cache', 'recordings', 'sounds', 'certs', 'scripts']) {
      dirs[name] = join(o.dir, name)
      await mkdir(dirs[name], { recursive: true })
    }
    const output = await open(join(o.dir, 'freeswitch.out'), 'w')
    const args = ['-nonat', '-nc', '-nf', '-conf', conf, '-mod', tools.modDir]
    for (const [name, path] of Object.entries(dirs)) args.push(`-${name}`, path)
    const child = spawn(tools.freeswitch, args, { cwd: o.dir, detached: true, stdio: ['ignore', output.fd, output.fd] })
    track(child, true)
    await output.close()
    const freeswitch = new FreeSwitch(child, join(dirs.log ?? o.dir, 'freeswitch.log'))
    t.teardown(() => freeswitch.stop())

    const died = exited(child).then((code) => {
      throw new Error(`freeswitch exited (code ${code}) while starting:\n${freeswitch.logTail(30)}`)
    })
    died.catch(() => {})
    const ready = (async () => {
      const events = await until('the event socket to accept the password', 30_000, () =>
        EventReader.connect(o.eventSocket.port, o.eventSocket.password).catch(() => undefined),
      )
      t.teardown(() => events.close())
      for (const module of o.modules ?? MODULES) {
        const answer = await events.api(`module_exists ${module}`)
        if (answer.trim() !== 'true') throw new Error(`${module} did not load:\n${freeswitch.logTail(30)}`)
      }
      await until('both SIP profiles to run', 30_000, async () => {
        const status = await events.api('sofia status')
        return /internal\s+profile\s.*RUNNING/.test(status) && /carrier\s+profile\s.*RUNNING/.test(status) ? true : undefined
      })
      return events
    })()
    const events = await Promise.race([ready, died])
    return { freeswitch, events }
  }

  logTail(lines: number): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines - 1).join('\n')
    } catch {
      return '(no log)'
    }
  }

  /** SIGTERM to its process group (FreeSWITCH shuts down cleanly), SIGKILL after 10 s. */
  stop(): Promise<void> {
    return stopChild(this.child, true, 10_000)
  }
}

// ---------------------------------------------------------------------------
// FreeSWITCH's event socket, read by the test (a plain socket: auth, api,
// event plain). The service has its own connection.

export class FsEvent {
  constructor(readonly headers: ReadonlyMap<string, string>) {}

  get(name: string): string | undefined {
    return this.headers.get(name)
  }

  get name(): string {
    return this.get('Event-Name') ?? ''
  }

  /** When FreeSWITCH fired it, ms since the epoch (Event-Date-Timestamp is µs). */
  get at(): number {
    return Number(this.get('Event-Date-Timestamp') ?? '0') / 1000
  }
}

interface Frame {
  headers: Map<string, string>
  body: string
}

function parseHeaders(text: string, decode: boolean): Map<string, string> {
  const headers = new Map<string, string>()
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ')
    if (i <= 0) continue
    const value = line.slice(i + 2)
    headers.set(line.slice(0, i), decode ? safeDecode(value) : value)
  }
  return headers
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

export class EventReader {
  readonly events: FsEvent[] = []
  private buffer = Buffer.alloc(0)
  private readonly waiting: Array<(frame: Frame) => void> = []
  private closed = false

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.drain()
    })
    socket.on('error', () => {})
  }

  /** Connects, authenticates and subscribes to the call and presence events. */
  static async connect(port: number, password: string): Promise<EventReader> {
    const socket = createConnection({ host: '127.0.0.1', port })
    await new Promise<void>((done, fail) => {
      socket.once('connect', done)
      socket.once('error', fail)
    })
    const reader = new EventReader(socket)
    try {
      await reader.next() // auth/request
      const auth = await reader.command(`auth ${password}`)
      if (!(auth.headers.get('Reply-Text') ?? '').startsWith('+OK')) throw new Error('event socket refused the password')
      await reader.command('event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE PRESENCE_IN')
      return reader
    } catch (err) {
      reader.close()
      throw err
    }
  }

  /** An API command's output (`api <command>`). */
  async api(command: string): Promise<string> {
    return (await this.command(`api ${command}`)).body
  }

  /** Events seen so far that match. */
  find(predicate: (e: FsEvent) => boolean): FsEvent[] {
    return this.events.filter(predicate)
  }

  /** The first event (already seen or still to come) that matches. */
  waitFor(what: string, timeoutMs: number, predicate: (e: FsEvent) => boolean): Promise<FsEvent> {
    return until(what, timeoutMs, () => this.events.find(predicate))
  }

  close(): void {
    this.closed = true
    this.socket.destroy()
  }

  private command(line: string): Promise<Frame> {
    if (this.closed) return Promise.reject(new Error('event socket closed'))
    const reply = this.next()
    this.socket.write(`${line}\n\n`)
    return reply
  }

  private next(): Promise<Frame> {
    return new Promise((done) => this.waiting.push(done))
  }

  private drain(): void {
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end < 0) return
      const headers = parseHeaders(this.buffer.subarray(0, end).toString('utf8'), false)
      const length = Number(headers.get('Content-Length') ?? '0')
      if (this.buffer.length < end + 2 + length) return
      const body = this.buffer.subarray(end + 2, end + 2 + length).toString('utf8')
      this.buffer = this.buffer.subarray(end + 2 + length)
      if (headers.get('Content-Type') === 'text/event-plain') {
        // The event: url-encoded headers, then (rarely) a blank line and a body.
        const split = body.indexOf('\n\n')
        this.events.push(new FsEvent(parseHeaders(split < 0 ? body : body.slice(0, split), true)))
      } else if (headers.get('Content-Type') !== 'text/disconnect-notice') {
        this.waiting.shift()?.({ headers, body })
      }
    }
  }
}

// ---------------------------------------------------------------------------
// sipp: phones, callers and a BLF key, each one process with a message trace

export interface SipMessage {
  /** When sipp sent or received it, ms since the epoch. */
  at: number
  direction: 'sent' | 'received'
  /** 'INVITE', 'CANCEL'… for requests, undefined for responses. */
  method: string | undefined
  /** The status code of a response. */
  status: number | undefined
  /** CSeq's method and number: which request a response answers. */
  cseqMethod: string
  cseq: number
  header(name: string): string | undefined
  body: string
}

/** sipp -trace_msg writes each message after a line of dashes and a local timestamp. */
export function parseSippTrace(text: string): SipMessage[] {
  const messages: SipMessage[] = []
  for (const chunk of text.split(/^-{10,} (?=\d{4}-\d\d-\d\d \d\d:)/m)) {
    const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d+)\n(?:UDP|TCP) message (sent|received)[^\n]*\n\n([\s\S]*)$/.exec(chunk)
    if (m === null) continue
    const [, y, mo, d, h, mi, s, frac, direction, raw] = m
    const micro = Number((frac ?? '0').padEnd(6, '0').slice(0, 6))
    const at = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime() + micro / 1000
    const text = (raw ?? '').replace(/\r/g, '')
    const split = text.indexOf('\n\n')
    const head = split < 0 ? text : text.slice(0, split)
    const body = split < 0 ? '' : text.slice(split + 2)
    const [startLine = '', ...lines] = head.split('\n')
    const headers = new Map<string, string>()
    for (const line of lines) {
      const i = line.indexOf(':')
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim())
    }
    const status = /^SIP\/2\.0 (\d{3})/.exec(startLine)
    const [cseqNumber = '0', cseqMethod = ''] = (headers.get('cseq') ?? '').split(/\s+/)
    messages.push({
      at,
      direction: direction === 'sent' ? 'sent' : 'received',
      method: status === null ? startLine.split(' ')[0] : undefined,
      status: status === null ? undefined : Number(status[1]),
      cseqMethod,
      cseq: Number(cseqNumber),
      header: (name) => headers.get(name.toLowerCase()),
      body,
    })
  }
  return messages
}

export interface SippOptions {
  /** Names the trace files; unique per run directory. */
  name: string
  /** A file of test/e2e/sipp. */
  scenario: string
  /** {{NAME}} placeholders of the scenario. */
  vars?: Record<string, string | number>
  /** The local SIP port (a phone's registered contact). */
  port: number
  /** host:port to send to (callers, REGISTER, SUBSCRIBE). */
  remote?: string
  /** -s, -au, -ap, -key… */
  args?: string[]
}

export class SippProcess {
  readonly exited: Promise<number | null>

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly traceFile: string,
  ) {
    this.exited = exited(child)
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Every message so far (sipp writes the trace as it goes). */
  messages(): SipMessage[] {
    try {
      return parseSippTrace(readFileSync(this.traceFile, 'utf8'))
    } catch {
      return []
    }
  }

  waitForMessage(what: string, timeoutMs: number, predicate: (m: SipMessage) => boolean): Promise<SipMessage> {
    return until(`${this.name}: ${what}`, timeoutMs, () => this.messages().find(predicate))
  }

  /** Waits up to `timeoutMs` for it to end by itself, then stops it. */
  async finish(timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => void this.stop(), timeoutMs)
    await this.exited
    clearTimeout(timer)
  }

  stop(): Promise<void> {
    return stopChild(this.child, false, 3000)
  }
}

export class Sipp {
  private runs = 0

  constructor(
    private readonly t: Test,
    private readonly tools: Tools,
    /** Where the filled-in scenarios, traces and screens go. */
    private readonly dir: string,
  ) {}

  /** Starts one sipp (one call, -m 1) and resolves once it listens on its port. */
  async start(o: SippOptions): Promise<SippProcess> {
    const run = `${String(++this.runs).padStart(3, '0')}-${o.name}`
    let scenario = await readFile(join(SIPP_DIR, o.scenario), 'utf8')
    for (const [name, value] of Object.entries(o.vars ?? {})) scenario = scenario.replaceAll(`{{${name}}}`, String(value))
    const left = /\{\{(\w+)\}\}/.exec(scenario)
    if (left !== null) throw new Error(`${o.scenario}: no value for {{${left[1]}}}`)
    const scenarioFile = join(this.dir, `${run}.xml`)
    await writeFile(scenarioFile, scenario)
    const traceFile = join(this.dir, `${run}.msg`)
    // Each sipp also binds a control port (default 8888) and media ports
    // (-mp and -mp+2): give each its own, free.
    const media = await freePortRange(4)
    const control = await freePort()
    const args = [
      ...(o.remote === undefined ? [] : [o.remote]),
      '-sf', scenarioFile,
      '-i', '127.0.0.1',
      '-p', String(o.port),
      '-mp', String(media),
      '-cp', String(control),
      '-m', '1',
      '-nostdin',
      '-timeout', '90s',
      '-trace_msg', '-message_file', traceFile,
      '-trace_err', '-error_file', join(this.dir, `${run}.err`),
      ...(o.args ?? []),
    ]
    const screen = await open(join(this.dir, `${run}.screen`), 'w')
    const child = spawn(this.tools.sipp, args, { cwd: this.dir, stdio: ['ignore', screen.fd, screen.fd] })
    track(child, false)
    await screen.close()
    const sipp = new SippProcess(o.name, child, traceFile)
    this.t.teardown(() => sipp.stop())
    // A phone must listen before anyone calls it; a client starts the
    // exchange itself (and may well be done before we could look).
    if (o.remote !== undefined) return sipp
    await Promise.race([
      until(`sipp ${o.name} to listen on ${o.port}`, 10_000, async () => ((await udpPortBound(o.port)) ? true : undefined)),
      sipp.exited.then((code) => {
        throw new Error(`sipp ${o.name} exited (code ${code}) at start: see ${join(this.dir, `${run}.screen`)}`)
      }),
    ])
    return sipp
  }
}

/** A random password for the event socket (never vanilla's ClueCon). */
export function randomPassword(): string {
  return randomBytes(12).toString('hex')
}
