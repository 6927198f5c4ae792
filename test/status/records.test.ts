import t from 'tap'
import { parseStatusEvent } from '../../src/status/records.js'
import * as esl from '../helpers/esl-events.js'

// One event in, one narrow record out, or the reason it is skipped.

const fs1 = { switchname: 'fs1', coreUuid: 'run-1' }
const phone = { extension: '100', domain: 'PBX.example.com', callId: 'c1', ip: '192.0.2.1', port: '5060', userAgent: 'Yealink\u0000\u0007 T46' }
const parse = (headers: Record<string, string>) => parseStatusEvent((name) => headers[name])

t.test('sofia::register: the directory identity, the text cleaned, the transport', async (t) => {
  t.match(parse(esl.register(fs1, phone, { status: 'Registered(UDP-NAT)', user_name: '100', domain_name: 'pbx.example.com' })), {
    record: { kind: 'registered', node: 'fs1', coreUuid: 'run-1', profile: 'internal', callId: 'c1', domain: 'pbx.example.com', extension: '100', userAgent: 'Yealink\uFFFD\uFFFD T46', transport: 'udp', expiresS: 3600, networkPort: 5060 },
  })
  const { user_name: _u, domain_name: _d, ...aorOnly } = esl.register(fs1, phone)
  t.match(parse(aorOnly), { record: { extension: '100', domain: 'pbx.example.com' } }, 'from-user/from-host when no directory data was merged')
  t.match(parse({ ...esl.register(fs1, phone), 'network-ip': 'not-an-ip', 'network-port': '70000' }), { record: { networkIp: undefined, networkPort: undefined } })
  t.match(parse({ ...esl.register(fs1, phone), expires: '-1' }), { skip: 'malformed' })
  t.match(parse({ ...esl.register(fs1, phone), 'call-id': 'x'.repeat(256) }), { skip: 'malformed' })
  t.match(parse({ ...esl.register(fs1, phone), 'profile-name': 'in ternal' }), { skip: 'malformed' })
  t.match(parse({ ...esl.register(fs1, phone), 'FreeSWITCH-Switchname': 'fs 1' }), { skip: 'malformed' })
})

t.test('unregister, socket disconnection, expire', async (t) => {
  t.match(parse(esl.unregister(fs1, phone)), { record: { kind: 'unregistered', reason: 'unregistered', callId: 'c1' } })
  t.match(parse(esl.socketDisconnection(fs1, phone)), { record: { kind: 'unregistered', reason: 'socket-disconnection', contact: undefined } })
  t.match(parse(esl.expire(fs1, phone)), { record: { kind: 'unregistered', reason: 'expired' } })
  const { 'call-id': _, ...noCallId } = esl.expire(fs1, phone)
  t.match(parse(noCallId), { skip: 'malformed', why: /sofia::expire/ })
})

t.test('register_failure: the source address is required; the request type is allow-listed', async (t) => {
  t.match(parse(esl.registerFailure(fs1, 'admin', 'PBX.example.com', '203.0.113.5', 'INVITE')), {
    record: { kind: 'auth-failed', networkIp: '203.0.113.5', user: 'admin', domain: 'pbx.example.com', request: 'INVITE' },
  })
  t.match(parse(esl.registerFailure(fs1, 'admin', 'x', '203.0.113.5', 'OPTIONS')), { record: { request: 'other' } })
  t.match(parse(esl.registerFailure(fs1, 'admin', 'x', 'nowhere')), { skip: 'malformed' })
})

t.test('channels: presence id is the key; phases; nobody\'s channels ignored', async (t) => {
  const leg = { uuid: 'u1', direction: 'outbound' as const, presence: '101@PBX.example.com', callUuid: 'c', caller: '100', destination: '101' }
  t.match(parse(esl.channel(fs1, 'CHANNEL_CREATE', leg)), { record: { kind: 'channel', phase: 'up', extension: '101', domain: 'pbx.example.com', otherParty: '100' } })
  t.match(parse(esl.channel(fs1, 'CHANNEL_ANSWER', leg)), { record: { phase: 'answered' } })
  t.match(parse(esl.channel(fs1, 'CHANNEL_HANGUP_COMPLETE', leg)), { record: { phase: 'gone' } })
  t.match(parse(esl.channel(fs1, 'CHANNEL_CREATE', { ...leg, direction: 'inbound' })), { record: { otherParty: '101' } })
  t.match(parse(esl.channel(fs1, 'CHANNEL_CREATE', { ...leg, presence: '' })), { skip: 'ignored' })
  t.match(parse({ ...esl.channel(fs1, 'CHANNEL_CREATE', leg), 'Call-Direction': 'sideways' }), { skip: 'malformed' })
  t.match(parse({ ...esl.channel(fs1, 'CHANNEL_CREATE', leg), 'Core-UUID': '' }), { skip: 'malformed' })
})

t.test('other events and subclasses are ignored', async (t) => {
  t.match(parse({ 'Event-Name': 'HEARTBEAT' }), { skip: 'ignored' })
  t.match(parse({ 'Event-Name': 'CUSTOM', 'Event-Subclass': 'sofia::gateway_state' }), { skip: 'ignored' })
  t.match(parse({ 'Event-Name': 'CUSTOM', 'Event-Subclass': 'sofia::register' }), { skip: 'malformed' })
})
