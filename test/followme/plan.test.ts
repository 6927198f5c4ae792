import t from 'tap'
import {
  planCall,
  type CallPlan,
  type DestinationSettings,
  type ExtensionInfo,
  type FollowMeSettings,
  type PlanInput,
} from '../../src/followme/plan.js'
import type { RouteChoice } from '../../src/outbound/route.js'

// Table-driven timelines: rows in, what rings when out. Expected timelines
// are written from the rules in the issue, not from the code.

const ext = (extension: string, more: Partial<ExtensionInfo> = {}): ExtensionInfo => ({
  extension,
  displayName: null,
  outboundCallerIdName: null,
  outboundCallerIdNumber: null,
  ringTimeoutS: 30,
  voicemailEnabled: true,
  tollAllow: [],
  ...more,
})
const fm = (more: Partial<FollowMeSettings> = {}): FollowMeSettings => ({
  enabled: true,
  strategy: 'sequential',
  ringExtensionFirstS: 20,
  noAnswerAction: 'voicemail',
  noAnswerTarget: null,
  externalCallerId: 'caller',
  ...more,
})
let position = 0
const dest = (kind: DestinationSettings['kind'], target: string, more: Partial<DestinationSettings> = {}): DestinationSettings => ({
  position: ++position,
  kind,
  target,
  delayS: 0,
  ringForS: 20,
  confirm: false,
  ...more,
})
const carrier = (dial: string, toll: string | null = null): RouteChoice => ({
  ok: true,
  dial,
  route: { priority: 10, pattern: '^.*$', gateway: 'carrier', strip_digits: 0, prepend: '', toll_class: toll },
})
const barred: RouteChoice = { ok: false, cause: 'OUTGOING_CALL_BARRED', reason: '+4420 needs toll class international, allowed: none' }

const input = (more: Partial<PlanInput>): PlanInput => ({
  domain: 'pbx.example.com',
  called: ext('100'),
  followMe: fm(),
  destinations: [],
  extensions: new Map([['101', ext('101')], ['102', ext('102')], ['103', ext('103', { voicemailEnabled: false })]]),
  routes: new Map(),
  callerId: undefined,
  visited: [],
  ...more,
})

/** Notes with destination positions (numbered across this file) as N. */
const numbered = (notes: readonly string[]) => notes.map((n) => n.replace(/^destination \d+ /, 'destination N '))

/** [label, start, stop, confirm] per leg. */
const timeline = (plan: CallPlan) => plan.legs.map((l) => [l.label, l.startS, l.startS + l.ringS, l.confirm])

t.test('Follow Me off or absent: the extension rings for ring_timeout_s, then voicemail', async (t) => {
  for (const followMe of [undefined, fm({ enabled: false })]) {
    const plan = planCall(input({ followMe, called: ext('100', { ringTimeoutS: 25 }), destinations: [dest('extension', '101')] }))
    t.equal(plan.mode, 'extension')
    t.strictSame(timeline(plan), [['extension 100', 0, 25, false]])
    t.strictSame(plan.noAnswer, { kind: 'voicemail', box: '100', domain: 'pbx.example.com' })
  }
  const noVm = planCall(input({ followMe: undefined, called: ext('100', { voicemailEnabled: false }) }))
  t.strictSame(noVm.noAnswer, { kind: 'hangup', cause: 'NO_ANSWER' })
  t.strictSame(noVm.notes, ['voicemail is off for 100: hang up with NO_ANSWER'])
})

t.test('sequential: each destination starts after the previous ring time plus its delay', async (t) => {
  const plan = planCall(
    input({
      followMe: fm({ ringExtensionFirstS: 15 }),
      destinations: [
        dest('extension', '101', { ringForS: 15 }),
        dest('external', '+15555550100', { delayS: 2, ringForS: 20, confirm: true }),
        dest('extension', '102', { delayS: 5, ringForS: 10 }),
      ],
      routes: new Map([['+15555550100', carrier('15555550100')]]),
    }),
  )
  t.equal(plan.mode, 'follow-me-sequential')
  t.strictSame(timeline(plan), [
    ['extension 100', 0, 15, false],
    ['extension 101', 15, 30, false],
    ['15555550100 via carrier', 32, 52, true],
    ['extension 102', 57, 67, false],
  ])
  t.strictSame(plan.notes, [])
})

t.test('simultaneous: every destination starts at its own delay from the start', async (t) => {
  const plan = planCall(
    input({
      followMe: fm({ strategy: 'simultaneous', ringExtensionFirstS: 30 }),
      destinations: [dest('extension', '101', { delayS: 0, ringForS: 25 }), dest('extension', '102', { delayS: 10, ringForS: 20 })],
    }),
  )
  t.equal(plan.mode, 'follow-me-simultaneous')
  t.strictSame(timeline(plan), [
    ['extension 100', 0, 30, false],
    ['extension 101', 0, 25, false],
    ['extension 102', 10, 30, false],
  ])
})

t.test('ring_extension_first_s = 0: the extension itself does not ring', async (t) => {
  const plan = planCall(input({ followMe: fm({ ringExtensionFirstS: 0 }), destinations: [dest('extension', '101', { delayS: 3 })] }))
  t.strictSame(timeline(plan), [['extension 101', 3, 23, false]])
})

t.test('dropped destinations: later ones move up, and notes say why', async (t) => {
  const plan = planCall(
    input({
      followMe: fm({ ringExtensionFirstS: 10 }),
      destinations: [
        dest('extension', '199', { ringForS: 10 }), // no such extension
        dest('external', '+4420', { ringForS: 10 }), // not permitted
        dest('extension', '100', { ringForS: 10 }), // the called extension itself
        dest('external', '+15550000', { ringForS: 10 }), // no route decision at all
        dest('extension', '101', { delayS: 1, ringForS: 10 }),
      ],
      routes: new Map([['+4420', barred]]),
    }),
  )
  t.strictSame(timeline(plan), [
    ['extension 100', 0, 10, false],
    ['extension 101', 11, 21, false],
  ])
  t.strictSame(numbered(plan.notes), [
    'destination N (extension 199) dropped: no enabled extension 199 in pbx.example.com',
    'destination N (external +4420) dropped: +4420 needs toll class international, allowed: none',
    'destination N (extension 100) dropped: it is the called extension itself (ring_extension_first_s rings it)',
    'destination N (external +15550000) dropped: no outbound route decision for +15550000',
  ])
})

t.test('external legs: caller ID per external_caller_id', async (t) => {
  const called = ext('100', { displayName: 'Alice', outboundCallerIdName: 'Acme', outboundCallerIdNumber: '+15551230000' })
  const base = {
    called,
    destinations: [dest('external', '+15555550100')],
    routes: new Map([['+15555550100', carrier('15555550100')]]),
    callerId: { name: 'Bob', number: '+15559990000' },
  }
  const asCaller = planCall(input({ ...base, followMe: fm({ externalCallerId: 'caller' }) }))
  t.strictSame(asCaller.legs[1]?.target, { kind: 'gateway', gateway: 'carrier', number: '15555550100', callerId: { name: 'Bob', number: '+15559990000' } })
  const asExtension = planCall(input({ ...base, followMe: fm({ externalCallerId: 'extension' }) }))
  t.strictSame(asExtension.legs[1]?.target, { kind: 'gateway', gateway: 'carrier', number: '15555550100', callerId: { name: 'Acme', number: '+15551230000' } })
  const anonymous = planCall(input({ ...base, callerId: undefined }))
  t.strictSame(anonymous.legs[1]?.target, { kind: 'gateway', gateway: 'carrier', number: '15555550100', callerId: undefined }, 'a carrier caller keeps its own caller ID')
})

t.test('a voicemail destination ends the call in that box, whatever no_answer_action says', async (t) => {
  const plan = planCall(
    input({
      followMe: fm({ noAnswerAction: 'hangup' }),
      destinations: [dest('extension', '101'), dest('voicemail', '102')],
    }),
  )
  t.strictSame(timeline(plan), [
    ['extension 100', 0, 20, false],
    ['extension 101', 20, 40, false],
  ])
  t.strictSame(plan.noAnswer, { kind: 'voicemail', box: '102', domain: 'pbx.example.com' })

  const off = planCall(input({ followMe: fm({ noAnswerAction: 'hangup' }), destinations: [dest('voicemail', '103')] }))
  t.strictSame(off.noAnswer, { kind: 'hangup', cause: 'NO_ANSWER' }, 'a box with voicemail off is dropped')
  t.strictSame(numbered(off.notes), ['destination N (voicemail 103) dropped: voicemail is off for 103'])
  const missing = planCall(input({ destinations: [dest('voicemail', '199')] }))
  t.strictSame(missing.noAnswer, { kind: 'voicemail', box: '100', domain: 'pbx.example.com' }, 'falls back to no_answer_action')
  t.strictSame(numbered(missing.notes), ['destination N (voicemail 199) dropped: no enabled extension 199 in pbx.example.com'])
})

t.test('empty plan: nothing rings, straight to the no-answer action', async (t) => {
  const plan = planCall(input({ followMe: fm({ ringExtensionFirstS: 0 }), destinations: [] }))
  t.strictSame(plan.legs, [])
  t.strictSame(plan.noAnswer, { kind: 'voicemail', box: '100', domain: 'pbx.example.com' })
})

t.test('no-answer actions', async (t) => {
  const hangup = planCall(input({ followMe: fm({ noAnswerAction: 'hangup' }) }))
  t.strictSame(hangup.noAnswer, { kind: 'hangup', cause: 'NO_ANSWER' })

  const vmOff = planCall(input({ called: ext('100', { voicemailEnabled: false }), followMe: fm({ noAnswerAction: 'voicemail' }) }))
  t.strictSame(vmOff.noAnswer, { kind: 'hangup', cause: 'NO_ANSWER' })
  t.strictSame(vmOff.notes, ['voicemail is off for 100: hang up with NO_ANSWER'])

  const toExtension = planCall(input({ followMe: fm({ noAnswerAction: 'transfer', noAnswerTarget: '101' }), visited: ['105'] }))
  t.strictSame(toExtension.noAnswer, { kind: 'transfer', extension: '101', domain: 'pbx.example.com', visited: ['105', '100'] })

  const toExternal = planCall(
    input({
      followMe: fm({ noAnswerAction: 'transfer', noAnswerTarget: '+15555550199' }),
      routes: new Map([['+15555550199', carrier('15555550199')]]),
    }),
  )
  t.strictSame(toExternal.noAnswer, {
    kind: 'external',
    leg: {
      label: '15555550199 via carrier',
      target: { kind: 'gateway', gateway: 'carrier', number: '15555550199', callerId: undefined },
      startS: 0,
      ringS: 30,
      confirm: false,
    },
  })

  const forbidden = planCall(input({ followMe: fm({ noAnswerAction: 'transfer', noAnswerTarget: '+4420' }), routes: new Map([['+4420', barred]]) }))
  t.strictSame(forbidden.noAnswer, { kind: 'hangup', cause: 'NO_ANSWER' })
  t.strictSame(forbidden.notes, ['no-answer transfer to +4420 dropped: +4420 needs toll class international, allowed: none'])
})

t.test('loops: a transfer chain never comes back to the same Follow Me', async (t) => {
  // 100 → (no answer) 101 → (no answer) 100: on the second visit 100's
  // Follow Me is skipped, and it does not transfer again.
  const back = planCall(input({ followMe: fm({ noAnswerAction: 'transfer', noAnswerTarget: '101' }), visited: ['100', '101'] }))
  t.equal(back.mode, 'extension')
  t.strictSame(back.noAnswer, { kind: 'voicemail', box: '100', domain: 'pbx.example.com' })
  t.strictSame(back.notes, ['Follow Me of 100 skipped: this call already came through it (loop guard)'])

  const toVisited = planCall(input({ followMe: fm({ noAnswerAction: 'transfer', noAnswerTarget: '101' }), visited: ['101'] }))
  t.strictSame(toVisited.noAnswer, { kind: 'voicemail', box: '100', domain: 'pbx.example.com' })
  t.strictSame(toVisited.notes, ['no-answer transfer to 101 skipped: the call already went through 101 → 100 (loop guard)'])

  const long = planCall(
    input({ followMe: fm({ noAnswerAction: 'transfer', noAnswerTarget: '101' }), visited: ['110', '111', '112', '113', '114'] }),
  )
  t.equal(long.noAnswer.kind, 'voicemail', 'a chain longer than 5 transfers stops')
})

t.test('the transfer chain limit: 5 extensions may be gone through, a 6th stops', async (t) => {
  const transfer = fm({ noAnswerAction: 'transfer', noAnswerTarget: '101' })
  // 4 before + the called 100 = 5: the limit, still allowed.
  const atLimit = planCall(input({ followMe: transfer, visited: ['110', '111', '112', '113'] }))
  t.strictSame(atLimit.noAnswer, { kind: 'transfer', extension: '101', domain: 'pbx.example.com', visited: ['110', '111', '112', '113', '100'] })
  t.strictSame(atLimit.notes, [])
  const over = planCall(input({ followMe: transfer, visited: ['110', '111', '112', '113', '114'] }))
  t.strictSame(over.notes, ['no-answer transfer to 101 skipped: the call already went through 110 → 111 → 112 → 113 → 114 → 100 (loop guard)'])
})

t.test('destinations ring in position order, whatever order the rows come in', async (t) => {
  const plan = planCall(
    input({
      followMe: fm({ ringExtensionFirstS: 5 }),
      destinations: [
        { position: 3, kind: 'extension', target: '102', delayS: 0, ringForS: 10, confirm: false },
        { position: 1, kind: 'extension', target: '101', delayS: 0, ringForS: 10, confirm: false },
        { position: 2, kind: 'voicemail', target: '101', delayS: 0, ringForS: 10, confirm: false },
      ],
    }),
  )
  t.strictSame(timeline(plan), [
    ['extension 100', 0, 5, false],
    ['extension 101', 5, 15, false],
    ['extension 102', 15, 25, false],
  ])
  t.strictSame(plan.noAnswer, { kind: 'voicemail', box: '101', domain: 'pbx.example.com' })
})

t.test('a destination extension with Do Not Disturb on is dropped, and the plan says so', async (t) => {
  const plan = planCall(
    input({
      followMe: fm({ ringExtensionFirstS: 10 }),
      destinations: [dest('extension', '101', { ringForS: 10 }), dest('extension', '102', { ringForS: 10 })],
      extensions: new Map([['101', ext('101', { doNotDisturb: true })], ['102', ext('102', { doNotDisturb: false })]]),
    }),
  )
  t.strictSame(timeline(plan), [
    ['extension 100', 0, 10, false],
    ['extension 102', 10, 20, false],
  ])
  t.strictSame(numbered(plan.notes), ['destination N (extension 101) dropped: Do Not Disturb is on for 101'])
})
