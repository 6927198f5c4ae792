/**
 * What the opt-in end-to-end suites share: the tenant on a fresh embedded
 * PostgreSQL, the service, a FreeSWITCH with the generated configuration,
 * the sipp phones, and calls read back from sipp's message traces (times in
 * seconds from the caller's INVITE FreeSWITCH took; the Call itself is in
 * call.ts, re-exported here). Every *.e2e.ts but status.e2e.ts uses them.
 */
import { chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import type { Test } from 'tap'
import { migrateToLatest } from '../../src/db/migrate.js'
import { openEmbedded } from '../../src/db/embedded.js'
import type { DB } from '../../src/db/schema.js'
import {
  FreeSwitch,
  Sipp,
  freePort,
  freePortRange,
  makeTempDir,
  modulesOf,
  randomPassword,
  startService,
  until,
  type EventReader,
  type SipMessage,
  type SippProcess,
  type Tools,
} from './harness.js'
import { Call, type Behaviour } from './call.js'

export { Call, answers, busy, confirms, rings, type Behaviour } from './call.js'

export const DOMAIN = '127.0.0.1'
export const password = (extension: string) => `e2e-${extension}-pass`

/** The registered phones: one for 100, two for 101 and two for 102 (103 registers nothing). */
export const PHONES = { p100: '100', p101a: '101', p101b: '101', p102a: '102', p102b: '102' } as const
export type Phone = keyof typeof PHONES

export interface World {
  db: Kysely<DB>
  /** The run's temporary directory (service.log, FreeSWITCH's log, traces). */
  dir: string
  events: EventReader
  sipp: Sipp
  internal: string
  carrier: string
  ports: Record<Phone | 'caller' | 'carrierCaller' | 'blf' | 'blf2' | 'intruder', number>
  /** Every mod_xml_curl request body the service got, raw, in order. */
  requests: string[]
  /** Stops the service (followme.e2e.ts scenario 9: what FreeSWITCH does without it). */
  stopService: () => Promise<void>
}

/** Extensions 100-103 of 127.0.0.1: voicemail off (no mod_voicemail here), ring_timeout_s 4. */
async function insertTenant(db: Kysely<DB>): Promise<void> {
  await sql`INSERT INTO domains (name) VALUES (${DOMAIN})`.execute(db)
  for (const extension of ['100', '101', '102', '103']) {
    // An unanswered plain call then ends with NO_ANSWER after ring_timeout_s.
    await sql`
      INSERT INTO extensions (domain_id, extension, sip_password, display_name, ring_timeout_s, voicemail_enabled)
      SELECT id, ${extension}, ${password(extension)}, ${`Ext ${extension}`}, 4, false FROM domains WHERE name = ${DOMAIN}`.execute(db)
  }
}

// Phones and calls

/**
 * Starts the given phones on their registered ports, places the call, and
 * collects the traces once everyone is done: phones that took part end by
 * themselves (-m 1); phones nobody called are stopped.
 */
export async function call(
  t: Test,
  w: World,
  o: {
    /** an extension, or 'carrier' */
    from: string
    to: string
    holdMs: number
    phones: Partial<Record<Phone, Behaviour>>
    /** The From display name the caller sends (no quotes in it); none by default. */
    display?: string
    /** A carrier caller's number (From user); default 15551230000. */
    number?: string
    /** Another caller scenario (same keys and auth as caller.xml), its placeholders beside HOLD_MS and DISPLAY. */
    caller?: Behaviour
  },
): Promise<Call> {
  const phones = new Map<Phone, SippProcess>()
  for (const [phone, behaviour] of Object.entries(o.phones) as Array<[Phone, Behaviour]>) {
    phones.set(phone, await w.sipp.start({ name: phone, port: w.ports[phone], ...behaviour }))
  }
  const caller = await w.sipp.start({
    name: o.from === 'carrier' ? 'carrier' : `caller${o.from}`,
    scenario: o.caller?.scenario ?? 'caller.xml',
    vars: { HOLD_MS: o.holdMs, DISPLAY: o.display === undefined ? '' : `"${o.display}" `, ...o.caller?.vars },
    port: o.from === 'carrier' ? w.ports.carrierCaller : w.ports.caller,
    remote: o.from === 'carrier' ? w.carrier : w.internal,
    args:
      o.from === 'carrier'
        ? ['-s', o.to, '-key', 'caller', o.number ?? '15551230000']
        : ['-s', o.to, '-key', 'caller', o.from, '-au', o.from, '-ap', password(o.from)],
  })
  await caller.finish(60_000)
  const traces = new Map<Phone, SipMessage[]>()
  const unfinished: string[] = []
  for (const [phone, sipp] of phones) {
    if (sipp.messages().some((m) => m.method === 'INVITE')) {
      // Its dialog should be over (CANCEL/487/ACK, or BYE): sipp ends with
      // 0 once its one call went through the scenario.
      await sipp.finish(5000)
      const code = await sipp.exited
      if (code !== 0) unfinished.push(`${phone} (sipp exit ${code})`)
    } else {
      await sipp.stop()
    }
    traces.set(phone, sipp.messages())
  }
  const callerCode = await caller.exited
  if (callerCode !== 0) unfinished.push(`the caller (sipp exit ${callerCode})`)
  t.same(unfinished, [], 'every SIP dialog of the call ended as its scenario expects')
  const messages = caller.messages()
  const invites = messages.filter((m) => m.direction === 'sent' && m.method === 'INVITE')
  const last = Math.max(...invites.map((m) => m.cseq))
  const t0 = invites.find((m) => m.cseq === last)?.at ?? Number.NaN
  return new Call(t0, messages, traces, w.events)
}

export async function register(w: World, name: string, port: number, extension: string, secret: string): Promise<number | undefined> {
  const sipp = await w.sipp.start({
    name: `register-${name}`,
    scenario: 'register.xml',
    port,
    remote: w.internal,
    args: ['-s', extension, '-au', extension, '-ap', secret],
  })
  await sipp.finish(10_000)
  return sipp.messages().find((m) => m.direction === 'received' && m.cseqMethod === 'REGISTER' && m.cseq === 2 && (m.status ?? 0) >= 200)?.status
}

// Times

export const fmt = (s: number | undefined) => (s === undefined ? 'never' : `${s.toFixed(2)} s`)

/** Within 1 s + 20 % of the planned second. */
export function atPlanned(t: Test, actual: number | undefined, planned: number, what: string): void {
  const tolerance = 1 + 0.2 * planned
  t.ok(actual !== undefined && Math.abs(actual - planned) <= tolerance, `${what} at ${fmt(actual)} (planned ${planned} s ± ${tolerance.toFixed(1)})`)
}

/** `actual` follows `cause` closely: 0 to `withinS` seconds after it. */
export function soonAfter(t: Test, actual: number | undefined, cause: number | undefined, what: string, withinS = 0.5): void {
  const ok = actual !== undefined && cause !== undefined && actual >= cause - 0.005 && actual - cause <= withinS
  t.ok(ok, `${what} at ${fmt(actual)}, ${cause === undefined ? '?' : fmt(cause)} + ${withinS} s at most`)
}

export function dialogState(body: string): string | undefined {
  return /<state[^>]*>\s*([a-z]+)\s*<\/state>/.exec(body)?.[1]
}

// Setting up

export interface SetUpOptions {
  /** Service settings added (loadConfig's variables). */
  env?: Record<string, string>
  /** The FreeSWITCH modules to load; default modulesOf(tools), the optional ones found too. */
  modules?: readonly string[]
}

/** Everything started for one suite. */
export async function setUp(t: Test, tools: Tools, options: SetUpOptions = {}): Promise<World> {
  const { env = {}, modules = modulesOf(tools) } = options
  const dir = await makeTempDir(t)
  // Run as root, the embedded PostgreSQL runs as the postgres account, which
  // must be able to enter the directory (mkdtemp makes it 0700).
  await chmod(dir, 0o711)
  // The embedded PostgreSQL, as `npm start` runs it, in the run's directory.
  const database = await openEmbedded({ dataDir: join(dir, 'database'), port: await freePort() })
  t.teardown(() => database.close().catch(() => {}))
  await migrateToLatest(database)
  // Rows before FreeSWITCH starts: its profile asks for the domain list at start.
  await insertTenant(database.db)

  const eventSocket = { port: await freePort(), password: randomPassword() }
  const requests: string[] = []
  const service = await startService(t, { database, eventSocket, logFile: join(dir, 'service.log'), env, onBody: (body) => requests.push(body) })
  const internalSipPort = await freePort()
  const carrierSipPort = await freePort()
  const rtp = await freePortRange(200)
  const { freeswitch, events } = await FreeSwitch.start(t, tools, {
    dir,
    serviceUrl: service.url,
    internalSipPort,
    carrierSipPort,
    eventSocket,
    rtpPorts: { start: rtp, end: rtp + 198 }, // FreeSWITCH wants an even end
    modules,
  })
  t.teardown(() => {
    if (t.passing()) return
    t.comment(`FreeSWITCH's log, last lines:\n${freeswitch.logTail(60)}`)
    t.comment(`Everything (configuration, logs, sipp traces) is in ${dir}; set E2E_KEEP_DIR=1 to keep it.`)
  })
  // The service connects to the event socket by itself, retrying (1 s,
  // doubling) while FreeSWITCH was not up yet; BLF probes need it.
  await until('the service to connect to the event socket', 20_000, () => (service.fastify.presence?.connected === true ? true : undefined))

  const ports = {
    p100: await freePort(),
    p101a: await freePort(),
    p101b: await freePort(),
    p102a: await freePort(),
    p102b: await freePort(),
    caller: await freePort(),
    carrierCaller: await freePort(),
    blf: await freePort(),
    blf2: await freePort(),
    intruder: await freePort(),
  }
  return {
    db: database.db,
    dir,
    events,
    sipp: new Sipp(t, tools, dir),
    internal: `127.0.0.1:${internalSipPort}`,
    carrier: `127.0.0.1:${carrierSipPort}`,
    ports,
    requests,
    stopService: () => service.fastify.close(),
  }
}

