import t from 'tap'
import { actionsFor, confirmActions, type Action, type DialplanSettings } from '../../src/dialplan/actions.js'
import type { CallDecision } from '../../src/dialplan/decision.js'
import type { NoAnswerStep, PlannedLeg } from '../../src/followme/plan.js'
import { NO_FORWARDING } from '../../src/forwards/settings.js'

// A decision in, the dialplan actions out: a pure function, so every way a
// call ends is written here by hand from what FreeSWITCH must run (facts
// §3-§14), with prompts named so each shows where it went.

const settings: DialplanSettings = {
  confirmTimeoutS: 20,
  confirmContext: 'followme_confirm',
  confirmExtension: 'followme_confirm',
  directoryCode: '*411',
  directoryProfile: 'default',
  confirmPrompt: 'confirm.wav',
  voicemailProfile: 'vmprofile',
  toggleCode: '*21',
  featurePrompts: { on: 'fm-on.wav', off: 'fm-off.wav', unavailable: 'unavailable.wav', 'not-allowed': 'not-allowed.wav' },
  forwardingCodes: { dndOn: '*78', dndOff: '*79', dndToggle: '*77', forwardAllOn: '*72', forwardAllOff: '*73', forwardAllToggle: '*74' },
  forwardingPrompts: { dnd: { on: 'dnd-on.wav', off: 'dnd-off.wav' }, 'forward-all': { on: 'cf-on.wav', off: 'cf-off.wav' } },
}
const D = 'pbx.example.com'
const apps = (actions: readonly Action[]) => actions.map(([application]) => application)
const ringLeg = (extension: string): PlannedLeg => ({ label: `extension ${extension}`, target: { kind: 'registrations', extension, domain: D }, startS: 0, ringS: 20, confirm: false })
const mobile = (gateway: string): PlannedLeg => ({ label: `+15555550100 via ${gateway}`, target: { kind: 'gateway', gateway, number: '+15555550100', callerId: undefined }, startS: 0, ringS: 30, confirm: false })
const forward = (step: NoAnswerStep, more: Partial<Extract<CallDecision, { kind: 'forward' }>> = {}): CallDecision => ({
  kind: 'forward', domain: D, callee: '100', reason: 'all', step, forwarding: NO_FORWARDING, notes: [], ...more,
})
const ring = (legs: PlannedLeg[], noAnswer: NoAnswerStep, more: Partial<Extract<CallDecision, { kind: 'ring' }>> = {}): CallDecision => ({
  kind: 'ring', domain: D, callee: '100', plan: { mode: 'extension', legs, noAnswer, notes: [] }, ...more,
})

t.test('a rejected call hangs up with its cause, and nothing else', async (t) => {
  t.strictSame(actionsFor({ kind: 'reject', cause: 'OUTGOING_CALL_BARRED', reason: 'x' }, settings), { actions: [['hangup', 'OUTGOING_CALL_BARRED']], skipped: [] })
})

t.test('a feature code: the lamps first, then the announcement for its outcome', async (t) => {
  const lamp = { lamp: { feature: 'fm' as const, extension: '100', host: D }, on: true }
  const fm = actionsFor({ kind: 'feature', feature: 'follow-me', outcome: 'on', lamps: [lamp], reason: 'x' }, settings)
  t.strictSame(apps(fm.actions), ['event', 'answer', 'sleep', 'playback', 'hangup'])
  t.match(fm.actions[0]?.[1], /^Event-Name=PRESENCE_IN,/, 'the event names itself first')
  t.strictSame(fm.actions.slice(1), [['answer'], ['sleep', '500'], ['playback', 'fm-on.wav'], ['hangup', 'NORMAL_CLEARING']])
  const prompt = (feature: 'follow-me' | 'dnd' | 'forward-all', outcome: 'on' | 'off' | 'unavailable' | 'not-allowed') =>
    actionsFor({ kind: 'feature', feature, outcome, lamps: [], reason: 'x' }, settings).actions.find(([a]) => a === 'playback')?.[1]
  t.equal(prompt('follow-me', 'off'), 'fm-off.wav')
  t.equal(prompt('dnd', 'on'), 'dnd-on.wav')
  t.equal(prompt('dnd', 'off'), 'dnd-off.wav')
  t.equal(prompt('forward-all', 'on'), 'cf-on.wav')
  t.equal(prompt('forward-all', 'off'), 'cf-off.wav')
  t.equal(prompt('dnd', 'not-allowed'), 'not-allowed.wav', 'refusals use the feature prompts')
  t.equal(prompt('forward-all', 'unavailable'), 'unavailable.wav')
  t.equal(actionsFor({ kind: 'feature', feature: 'dnd', outcome: 'on', lamps: [lamp, lamp], reason: 'x' }, settings).actions.filter(([a]) => a === 'event').length, 2, 'one event per lamp')
})

t.test('a forward: the no-answer step at once; an external one rings back first and bridges', async (t) => {
  t.strictSame(actionsFor(forward({ kind: 'voicemail', box: '100', domain: D }), settings), {
    actions: [['answer'], ['sleep', '1000'], ['voicemail', `vmprofile ${D} 100`]],
    skipped: [],
  })
  t.strictSame(actionsFor(forward({ kind: 'hangup', cause: 'USER_BUSY' }), settings), { actions: [['hangup', 'USER_BUSY']], skipped: [] })
  t.strictSame(actionsFor(forward({ kind: 'transfer', extension: '101', domain: D, visited: ['100'] }), settings), {
    actions: [['set', 'followme_visited=100'], ['transfer', `101 XML ${D}`]],
    skipped: [],
  })
  const external = actionsFor(forward({ kind: 'external', leg: mobile('carrier') }, { callerName: { kind: 'plain' } }), settings)
  t.strictSame(apps(external.actions), ['unset', 'set', 'ring_ready', 'bridge', 'hangup'])
  t.strictSame(external.actions[0], ['unset', 'effective_caller_id_name'], "an external caller's own name again")
  t.strictSame(external.actions[1], ['set', 'hangup_after_bridge=true'])
  t.match(external.actions[3]?.[1], /sofia\/gateway\/carrier\/\+15555550100$/)
  t.strictSame(external.actions[4], ['hangup', 'NO_ANSWER'])
  const refused = actionsFor(forward({ kind: 'external', leg: mobile('bad gateway') }), settings)
  t.strictSame(refused.actions, [['set', 'hangup_after_bridge=true'], ['ring_ready'], ['hangup', 'NO_ANSWER']], 'an unsafe leg is not bridged')
  t.equal(refused.skipped.length, 1)
})

t.test('a value the renderer refuses: the call hangs up, and the note says what was left out', async (t) => {
  t.strictSame(actionsFor(forward({ kind: 'voicemail', box: '10 0', domain: D }), settings), {
    actions: [['hangup', 'NO_ANSWER']],
    skipped: ['voicemail box 10 0: extension "10 0" is not allowed'],
  })
  t.strictSame(actionsFor(forward({ kind: 'transfer', extension: '101', domain: 'a b', visited: [] }), settings), {
    actions: [['hangup', 'NO_ANSWER']],
    skipped: ['transfer to 101: domain "a b" is not allowed'],
  })
  t.strictSame(actionsFor({ kind: 'dial-by-name', domain: 'a b', reason: 'x' }, settings), {
    actions: [['hangup', 'NO_ANSWER']],
    skipped: ['dial-by-name: domain "a b" is not allowed'],
  })
  const after = actionsFor(ring([ringLeg('100')], { kind: 'voicemail', box: '100', domain: D }, { domain: 'a b', afterRing: { busy: { kind: 'hangup', cause: 'USER_BUSY' } } }), settings)
  t.strictSame(after.actions.slice(-1), [['hangup', 'NO_ANSWER']])
  t.strictSame(after.skipped, ['follow-up of 100: domain "a b" is not allowed'])
})

t.test('dial-by-name: answered, the voicemail profile for recorded names, then mod_directory', async (t) => {
  t.strictSame(actionsFor({ kind: 'dial-by-name', domain: D, reason: 'x' }, settings), {
    actions: [['answer'], ['sleep', '500'], ['set', 'directory_voicemail_profile=vmprofile'], ['directory', `default ${D}`]],
    skipped: [],
  })
})

t.test('an outbound call bridges its one leg; a leg the renderer refuses is no route', async (t) => {
  const ok = actionsFor({ kind: 'outbound', leg: mobile('carrier'), notes: [] }, settings)
  t.strictSame(apps(ok.actions), ['set', 'bridge'])
  t.strictSame(ok.actions[0], ['set', 'hangup_after_bridge=true'])
  const bad = actionsFor({ kind: 'outbound', leg: mobile('bad gateway'), notes: [] }, settings)
  t.strictSame(bad.actions, [['hangup', 'NO_ROUTE_DESTINATION']])
  t.equal(bad.skipped.length, 1)
})

t.test('a ring: ring back, bridge, then the no-answer step or the follow-up lookup', async (t) => {
  const plain = actionsFor(ring([ringLeg('100')], { kind: 'voicemail', box: '100', domain: D }), settings)
  t.strictSame(apps(plain.actions), ['set', 'set', 'ring_ready', 'bridge', 'answer', 'sleep', 'voicemail'])
  t.strictSame(plain.actions.slice(0, 3), [['set', 'hangup_after_bridge=true'], ['set', 'continue_on_fail=true'], ['ring_ready']])

  const followUp = actionsFor(ring([ringLeg('100')], { kind: 'voicemail', box: '100', domain: D }, { afterRing: { busy: { kind: 'hangup', cause: 'USER_BUSY' } } }), settings)
  t.strictSame(followUp.actions.slice(-1), [['transfer', `failed_100_\${originate_failed_cause} XML ${D}`]], 'a failed ring comes back with its cause')

  const nothing = actionsFor(ring([], { kind: 'hangup', cause: 'NO_ANSWER' }, { afterRing: { busy: { kind: 'hangup', cause: 'USER_BUSY' } } }), settings)
  t.strictSame(nothing.actions, [['set', 'hangup_after_bridge=true'], ['set', 'continue_on_fail=true'], ['ring_ready'], ['hangup', 'NO_ANSWER']], 'nothing to ring: no bridge, no follow-up')
})

t.test("an external caller's name on the callee's phones: the prefix set before the bridge, or unset", async (t) => {
  const prefixed = actionsFor(ring([ringLeg('100')], { kind: 'hangup', cause: 'NO_ANSWER' }, { callerName: { kind: 'prefix', prefix: 'Sales' } }), settings)
  t.strictSame(prefixed.actions[0], ['set', 'effective_caller_id_name=Sales${caller_id_name}'])
  t.strictSame(prefixed.skipped, [])
  const unsafe = actionsFor(ring([ringLeg('100')], { kind: 'hangup', cause: 'NO_ANSWER' }, { callerName: { kind: 'prefix', prefix: '${x}' } }), settings)
  t.strictSame(unsafe.actions[0], ['unset', 'effective_caller_id_name'], 'a prefix the renderer refuses is left out')
  t.strictSame(unsafe.skipped, ['inbound caller ID prefix left out: inbound caller ID prefix "${x}" is not allowed'])
  const internal = actionsFor(ring([ringLeg('100')], { kind: 'hangup', cause: 'NO_ANSWER' }), settings)
  t.strictSame(internal.actions[0], ['set', 'hangup_after_bridge=true'], 'an internal call is left as it is')
})

t.test('the confirm extension: the prompt repeats past the confirm window; 1 keeps the leg, anything else hangs it up', async (t) => {
  // 20 s window, 5 s a try: 5 tries (one more than fits, so the window decides).
  t.strictSame(confirmActions('followme_confirm', settings), [
    ['play_and_get_digits', '1 1 5 5000 # confirm.wav silence_stream://250 followme_confirm_digit \\d'],
    ['execute_extension', 'followme_confirm_${followme_confirm_digit} XML followme_confirm'],
  ])
  t.match(confirmActions('followme_confirm', { ...settings, confirmTimeoutS: 21 })[0]?.[1], /^1 1 6 5000 /)
  t.strictSame(confirmActions('followme_confirm_1', settings), [['log', 'INFO Follow Me: call accepted with 1']])
  t.strictSame(confirmActions('followme_confirm_2', settings), [['hangup', 'CALL_REJECTED']])
  t.strictSame(confirmActions('followme_confirm_', settings), [['hangup', 'CALL_REJECTED']])
})
