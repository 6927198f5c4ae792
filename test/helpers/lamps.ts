import type { Test } from 'tap'
import { FakeEventSocket, type SentEvent } from './fake-event-socket.js'

/**
 * What the lamp tests share (test/presence/lamp.test.ts, lamp-guards.test.ts,
 * and for its dnd/cf lamps test/forwards/lamps.test.ts): a fake FreeSWITCH event socket for the test file,
 * the PRESENCE_PROBE FreeSWITCH sends when a phone subscribes to a lamp, and
 * the PRESENCE_IN that lights or darkens fm100 (facts §9.4, written out).
 */

export const LAMP_DOMAIN = 'pbx.example.com'
const PASSWORD = 'ClueCon'

/**
 * A fake event socket (password ClueCon) for the tests under `t`: stopped
 * when `t` ends, what it was sent cleared before each of `t`'s tests.
 */
export async function lampSocket(t: Test): Promise<FakeEventSocket> {
  const fake = new FakeEventSocket(PASSWORD)
  await fake.start()
  t.teardown(() => fake.stop())
  t.beforeEach(() => {
    fake.sent.length = 0
  })
  return fake
}

/** buildApp's configuration to connect to `fake` (another password: to be refused). */
export const eventSocketOf = (fake: FakeEventSocket, password = PASSWORD) => ({
  eventSockets: [{ host: '127.0.0.1', port: fake.port, password }],
})

/** What FreeSWITCH sends when 101 subscribes to `to`'s dialog state; `more` replaces or adds headers. */
export const presenceProbe = (to: string, more: Record<string, string> = {}) => ({
  'Event-Name': 'PRESENCE_PROBE',
  'Event-Calling-Function': 'sofia_presence_handle_sip_i_subscribe',
  'probe-type': 'dialog',
  proto: 'sip',
  login: 'internal',
  sip_profile: 'internal',
  from: `101@${LAMP_DOMAIN}`,
  to,
  'proto-specific-event-name': 'dialog',
  expires: '600',
  event_type: 'presence',
  alt_event_type: 'dialog',
  'sub-call-id': '1-29965@127.0.0.1',
  ...more,
})

/** The PRESENCE_IN headers that light fm100 at `host`. */
export const fmOn = (host = LAMP_DOMAIN) => ({
  'Event-Name': 'PRESENCE_IN',
  proto: 'sip',
  from: `fm100@${host}`,
  login: `fm100@${host}`,
  status: 'Active',
  rpid: 'active',
  event_type: 'presence',
  alt_event_type: 'dialog',
  event_count: '1',
  'unique-id': 'fm100',
  'channel-state': 'CS_ROUTING',
  'answer-state': 'confirmed',
  'presence-call-direction': 'inbound',
})

/** The PRESENCE_IN headers that darken fm100 at `host`. */
export const fmOff = (host = LAMP_DOMAIN) => ({
  ...fmOn(host),
  rpid: 'unknown',
  'channel-state': 'CS_HANGUP',
  'answer-state': 'terminated',
})

/** The fields of a sent event that say which lamp, and whether lit. */
export const lampOf = (e: SentEvent) => ({ name: e.name, from: e.headers.from, rpid: e.headers.rpid, 'answer-state': e.headers['answer-state'] })

/** lampOf's view of fmOn and fmOff. */
export const ON = (host = LAMP_DOMAIN) => lampOf({ name: 'PRESENCE_IN', headers: fmOn(host) })
export const OFF = (host = LAMP_DOMAIN) => lampOf({ name: 'PRESENCE_IN', headers: fmOff(host) })
