import t from 'tap'
import type { ExtensionInfo, NoAnswerStep } from '../../src/followme/plan.js'
import { conditionOfCause, decideAfterRing, decideForwarding, type ForwardingInput } from '../../src/forwards/decision.js'
import { NO_FORWARDING, type Forward, type ForwardCondition, type ForwardingSettings } from '../../src/forwards/settings.js'
import type { RouteChoice } from '../../src/outbound/route.js'

// The precedence table of README "Call forwarding and Do Not Disturb", row
// by row: rows in, what the call does out. Expected steps are written from
// the rules, not from the code.

const D = 'pbx.example.com'
const ext = (extension: string, more: Partial<ExtensionInfo> = {}): ExtensionInfo => ({
  extension,
  displayName: null,
  outboundCallerIdName: null,
  outboundCallerIdNumber: null,
  ringTimeoutS: 25,
  voicemailEnabled: true,
  tollAllow: ['domestic'],
  ...more,
})
const on = (kind: 'extension' | 'external' | 'voicemail', target: string): Forward => ({ enabled: true, target: { kind, target } })
const settings = (more: Partial<Omit<ForwardingSettings, 'forwards'>> = {}, forwards: Partial<Record<ForwardCondition, Forward>> = {}): ForwardingSettings => ({
  ...NO_FORWARDING,
  ...more,
  forwards: { ...NO_FORWARDING.forwards, ...forwards },
})
const carrier: RouteChoice = {
  ok: true,
  route: { priority: 10, pattern: '^\\+?1[0-9]{10}$', gateway: 'carrier', strip_digits: 0, prepend: '', toll_class: 'domestic' },
  dial: '+15555550100',
}
const barred: RouteChoice = { ok: false, cause: 'OUTGOING_CALL_BARRED', reason: '+4420 needs toll class international, allowed: domestic' }
const input = (s: ForwardingSettings, more: Partial<ForwardingInput> = {}): ForwardingInput => ({
  domain: D,
  called: ext('100'),
  settings: s,
  followMeOn: false,
  extensions: new Map([
    ['101', ext('101')],
    ['102', ext('102', { voicemailEnabled: false })],
  ]),
  routes: new Map<string, RouteChoice>([
    ['+15555550100', carrier],
    ['+4420', barred],
  ]),
  callerId: { name: 'Bob', number: '101' },
  visited: [],
  ...more,
})
const voicemail = (box: string): NoAnswerStep => ({ kind: 'voicemail', box, domain: D })
const transfer = (extension: string, visited: string[]): NoAnswerStep => ({ kind: 'transfer', extension, domain: D, visited })
const external: NoAnswerStep = {
  kind: 'external',
  leg: {
    label: '+15555550100 via carrier',
    target: { kind: 'gateway', gateway: 'carrier', number: '+15555550100', callerId: { name: 'Bob', number: '101' } },
    startS: 0,
    ringS: 25,
    confirm: false,
  },
}

t.test('nothing set: the extension rings, voicemail as usual', async (t) => {
  t.strictSame(decideForwarding(input(NO_FORWARDING)), { kind: 'ring', afterRing: undefined, notes: [] })
})

t.test('1. forward all goes straight to its target, whatever else is set', async (t) => {
  const all = { all: on('extension', '101'), busy: on('voicemail', '100') }
  t.strictSame(decideForwarding(input(settings({}, all), { followMeOn: true })), { kind: 'forward', reason: 'all', step: transfer('101', ['100']), notes: [] })
  t.strictSame(decideForwarding(input(settings({}, { all: on('external', '+15555550100') }))), {
    kind: 'forward',
    reason: 'all',
    step: external,
    notes: [],
  }, 'an external number under the extension toll_allow, with the caller ID external legs show')
  t.strictSame(decideForwarding(input(settings({}, { all: on('voicemail', '101') }))), { kind: 'forward', reason: 'all', step: voicemail('101'), notes: [] }, 'another box')
  t.strictSame(decideForwarding(input(settings({}, { all: on('voicemail', '100') }))), { kind: 'forward', reason: 'all', step: voicemail('100'), notes: [] }, 'its own box')
})

t.test('a forward that cannot ring now is skipped, and the next rule applies', async (t) => {
  const gone = decideForwarding(input(settings({}, { all: on('extension', '199') })))
  t.strictSame(gone, { kind: 'ring', afterRing: undefined, notes: ['forward all to extension 199 skipped: no enabled extension 199 in pbx.example.com'] })
  const toll = decideForwarding(input(settings({ doNotDisturb: false }, { all: on('external', '+4420') })))
  t.strictSame(toll.notes, ['forward all to +4420 skipped: +4420 needs toll class international, allowed: domestic'])
  t.equal(toll.kind, 'ring')
  const noBox = decideForwarding(input(settings({}, { all: on('voicemail', '102') })))
  t.strictSame(noBox.notes, ['forward all to voicemail box 102 skipped: voicemail is off for 102'])
  const off = decideForwarding(input(settings({}, { all: { enabled: false, target: { kind: 'extension', target: '101' } } })))
  t.strictSame(off, { kind: 'ring', afterRing: undefined, notes: [] }, 'a kept target of a forward that is off does nothing')
})

t.test('2. DND: the busy forward, else busy (the default), else voicemail when chosen', async (t) => {
  t.strictSame(decideForwarding(input(settings({ doNotDisturb: true }))), { kind: 'forward', reason: 'dnd', step: { kind: 'hangup', cause: 'USER_BUSY' }, notes: [] })
  t.strictSame(decideForwarding(input(settings({ doNotDisturb: true }, { busy: on('extension', '101') }))), {
    kind: 'forward',
    reason: 'dnd',
    step: transfer('101', ['100']),
    notes: [],
  })
  t.strictSame(decideForwarding(input(settings({ doNotDisturb: true, doNotDisturbAction: 'voicemail' }))), { kind: 'forward', reason: 'dnd', step: voicemail('100'), notes: [] })
  t.strictSame(
    decideForwarding(input(settings({ doNotDisturb: true, doNotDisturbAction: 'voicemail' }), { called: ext('100', { voicemailEnabled: false }) })),
    { kind: 'forward', reason: 'dnd', step: { kind: 'hangup', cause: 'USER_BUSY' }, notes: ['voicemail is off for 100: hang up with USER_BUSY'] },
    'voicemail chosen but off: busy',
  )
  t.strictSame(decideForwarding(input(settings({ doNotDisturb: true }), { followMeOn: true })).kind, 'forward', 'DND wins over Follow Me')
  const noAnswer = decideForwarding(input(settings({ doNotDisturb: true }, { no_answer: on('extension', '101') })))
  t.strictSame(noAnswer, { kind: 'forward', reason: 'dnd', step: { kind: 'hangup', cause: 'USER_BUSY' }, notes: [] }, 'DND is busy, not no-answer')
})

t.test('3. Follow Me on: the after-ring forwards are not used (its no-answer action has the last word)', async (t) => {
  const d = decideForwarding(input(settings({}, { busy: on('extension', '101'), no_answer: on('voicemail', '101') }), { followMeOn: true }))
  t.strictSame(d, {
    kind: 'ring',
    afterRing: undefined,
    notes: [
      'forward busy not used: Follow Me is on (its no-answer action has the last word)',
      'forward no-answer not used: Follow Me is on (its no-answer action has the last word)',
    ],
  })
})

t.test('4. Follow Me off: busy, no-answer and not-registered forwards after the ring', async (t) => {
  const d = decideForwarding(input(settings({}, { busy: on('extension', '101'), no_answer: on('voicemail', '101'), not_registered: on('external', '+15555550100') })))
  t.strictSame(d, { kind: 'ring', afterRing: { busy: transfer('101', ['100']), no_answer: voicemail('101'), not_registered: external }, notes: [] })
})

t.test('after the ring: the cause picks the forward (facts §12)', async (t) => {
  t.equal(conditionOfCause('USER_BUSY'), 'busy')
  t.equal(conditionOfCause('NO_ANSWER'), 'no_answer', 'call_timeout')
  t.equal(conditionOfCause('ALLOTTED_TIMEOUT'), 'no_answer', 'originate_timeout of the branch')
  t.equal(conditionOfCause('NO_USER_RESPONSE'), 'no_answer', 'SIP 480')
  t.equal(conditionOfCause('USER_NOT_REGISTERED'), 'not_registered')
  t.equal(conditionOfCause('CALL_REJECTED'), undefined)
  const s = settings({}, { busy: on('extension', '101'), no_answer: on('voicemail', '101'), not_registered: on('external', '+15555550100') })
  t.strictSame(decideAfterRing(input(s), 'USER_BUSY'), { step: transfer('101', ['100']), condition: 'busy', notes: [] })
  t.strictSame(decideAfterRing(input(s), 'ALLOTTED_TIMEOUT'), { step: voicemail('101'), condition: 'no_answer', notes: [] })
  t.strictSame(decideAfterRing(input(s), 'USER_NOT_REGISTERED'), { step: external, condition: 'not_registered', notes: [] })
  t.strictSame(decideAfterRing(input(s), 'CALL_REJECTED'), {
    step: voicemail('100'),
    condition: undefined,
    notes: ['ring ended CALL_REJECTED: no forward for that cause'],
  })
  t.strictSame(decideAfterRing(input(settings(), { called: ext('100', { voicemailEnabled: false }) }), 'USER_BUSY'), {
    step: { kind: 'hangup', cause: 'USER_BUSY' },
    condition: undefined,
    notes: ['ring ended USER_BUSY: forward busy is off', 'voicemail is off for 100: hang up with USER_BUSY'],
  }, 'busy without forward or voicemail: the caller hears busy')
})

t.test('chains and loops: the same guard as Follow Me transfers', async (t) => {
  const s = settings({}, { all: on('extension', '101') })
  t.strictSame(decideForwarding(input(s, { visited: ['103'] })), { kind: 'forward', reason: 'all', step: transfer('101', ['103', '100']), notes: [] }, 'a chain carries on')
  const loop = decideForwarding(input(s, { visited: ['101'] }))
  t.strictSame(loop, {
    kind: 'forward',
    reason: 'all',
    step: voicemail('100'),
    notes: ['forward all to extension 101 stopped: the call already went through 101 → 100 → 101 (loop guard)'],
  }, '101 forwards to 100 forwards to 101: voicemail, not a ringing loop')
  const long = decideForwarding(input(s, { visited: ['1', '2', '3', '4', '5'] }))
  t.match(long.notes[0], /loop guard/, 'past 5 transfers')
  const busyLoop = decideForwarding(input(settings({ doNotDisturb: true }, { busy: on('extension', '101') }), { visited: ['101'], called: ext('100', { voicemailEnabled: false }) }))
  t.match(busyLoop, { kind: 'forward', reason: 'dnd', step: { kind: 'hangup', cause: 'USER_BUSY' } }, 'a busy loop without voicemail hangs up busy')
})

t.test('self-forwarding is refused at call time too', async (t) => {
  t.strictSame(decideForwarding(input(settings({}, { all: on('extension', '100') }))).notes, ['forward all to extension 100 skipped: it is the extension itself'])
})
