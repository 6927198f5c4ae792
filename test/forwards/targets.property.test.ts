import fc from 'fast-check'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { actionsFor, type Action } from '../../src/dialplan/actions.js'
import type { CallDecision } from '../../src/dialplan/decision.js'
import { dialplanSettings } from '../../src/dialplan/settings.js'
import { planCall, type ExtensionInfo } from '../../src/followme/plan.js'
import { decideAfterRing, decideForwarding, type ForwardingInput } from '../../src/forwards/decision.js'
import type { Forward, ForwardingSettings } from '../../src/forwards/settings.js'
import type { RouteChoice } from '../../src/outbound/route.js'
import { parseDialString } from '../helpers/freeswitch-dialstring.js'

// Whatever text reached a forward's target, the called extension, the
// domain, the transfer chain or a route (as if every check before the
// renderer had failed), the actions that carry out DND and the forwards are
// only what they should be: allow-listed transfers, voicemail boxes and
// single-leg bridges, FreeSWITCH's own ${originate_failed_cause} in the one
// place it belongs, or a hang-up. Nothing adds an action, a leg, a variable
// or API expansion.

const settings = dialplanSettings(loadConfig({}).followMe, loadConfig({}).forwarding)
const anyText = fc.string({ unit: 'binary', maxLength: 24 })
const nasty = fc.constantFrom(',', '|', '[', ']', '{', '}', "'", '\\', ':_:', '^^;', '${x}', '$${y}', ' ', '=', '<', '>', '\n', ' XML ', '&', '"')
const column = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: anyText, weight: 1 },
    { arbitrary: fc.array(fc.oneof(nasty, fc.constantFrom('a', '1', '+')), { maxLength: 10 }).map((p) => p.join('')), weight: 2 },
  )
const digits = fc.stringMatching(/^[0-9]{1,15}$/)
const domain = column(fc.constantFrom('pbx.example.com', '192.0.2.10'))
const forward = fc.record({
  enabled: fc.boolean(),
  kind: fc.constantFrom('extension' as const, 'external' as const, 'voicemail' as const),
  target: column(fc.oneof(digits, fc.stringMatching(/^\+?[0-9]{1,15}$/))),
})
const scenario = fc.record({
  domain,
  called: column(digits),
  dnd: fc.boolean(),
  dndAction: fc.constantFrom('busy' as const, 'voicemail' as const),
  all: forward,
  busy: forward,
  noAnswer: forward,
  notRegistered: forward,
  visited: fc.array(column(digits), { maxLength: 6 }),
  gateway: column(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/)),
  cause: fc.constantFrom('USER_BUSY', 'NO_ANSWER', 'ALLOTTED_TIMEOUT', 'USER_NOT_REGISTERED', 'CALL_REJECTED'),
})
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

const info = (extension: string): ExtensionInfo => ({
  extension,
  displayName: null,
  outboundCallerIdName: null,
  outboundCallerIdNumber: null,
  ringTimeoutS: 20,
  voicemailEnabled: true,
  tollAllow: [],
})

function inputOf(s: Scenario): ForwardingInput {
  const f = (x: Scenario['all']): Forward => ({ enabled: x.enabled, target: { kind: x.kind, target: x.target } })
  const forwarding: ForwardingSettings = {
    doNotDisturb: s.dnd,
    doNotDisturbAction: s.dndAction,
    forwards: { all: f(s.all), busy: f(s.busy), no_answer: f(s.noAnswer), not_registered: f(s.notRegistered) },
  }
  // Worst case: every target "exists" and every number "has a route".
  const targets = [s.all, s.busy, s.noAnswer, s.notRegistered].map((x) => x.target)
  const route = (n: string): RouteChoice => ({ ok: true, route: { priority: 1, pattern: '^.*$', gateway: s.gateway, strip_digits: 0, prepend: '', toll_class: null }, dial: n })
  return {
    domain: s.domain,
    called: info(s.called),
    settings: forwarding,
    followMeOn: false,
    extensions: new Map(targets.map((n) => [n, info(n)])),
    routes: new Map(targets.map((n) => [n, route(n)])),
    callerId: undefined,
    visited: s.visited,
  }
}

/** A domain name as the schema allows it (domains_name_valid_hostname). */
const DOMAIN = '([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)'
const SAFE: Record<string, RegExp> = {
  set: /^(hangup_after_bridge=true|continue_on_fail=true|followme_visited=[0-9]{1,15}(,[0-9]{1,15})*)$/,
  transfer: new RegExp(`^([0-9]{1,15}|failed_[0-9]{1,15}_\\$\\{originate_failed_cause\\}) XML ${DOMAIN}$`),
  voicemail: new RegExp(`^default ${DOMAIN} [0-9]{1,15}$`),
  hangup: /^(USER_BUSY|NO_ANSWER|NORMAL_CLEARING)$/,
  sleep: /^1000$/,
}

function check(actions: readonly Action[]): void {
  for (const [app, data] of actions) {
    if (app === 'answer' || app === 'ring_ready') {
      if (data !== undefined) throw new Error(`${app} with data ${data}`)
      continue
    }
    if (app === 'bridge') {
      const parsed = parseDialString(data ?? '')
      const leg = parsed.branches[0]?.groups[0]?.[0]
      const one = !parsed.enterprise && parsed.branches.length === 1 && parsed.branches[0]?.groups.length === 1 && parsed.branches[0]?.groups[0]?.length === 1
      if (!one || leg === undefined) throw new Error(`bridge is not one leg: ${data}`)
      const ok =
        /^sofia\/gateway\/[A-Za-z0-9][A-Za-z0-9._-]{0,63}\/\+?[0-9]{1,24}$/.test(leg.target) ||
        new RegExp(`^\\$\\{sofia_contact\\(\\*/[0-9]{1,15}@${DOMAIN}\\)\\}$`).test(leg.target)
      if (!ok) throw new Error(`bridge target ${leg.target}`)
      const names = Object.keys(leg.vars).sort().join(',')
      if (!['ignore_early_media,originate_timeout', 'ignore_early_media,originate_timeout,presence_id,sip_invite_domain'].includes(names)) throw new Error(`bridge variables ${names}`)
      continue
    }
    const rule = SAFE[app]
    if (rule === undefined || data === undefined || !rule.test(data)) throw new Error(`unexpected action ${app} ${JSON.stringify(data)}`)
  }
}

t.test('DND and forward actions carry only allow-listed values, whatever the rows say', async (t) => {
  let decisions = 0
  fc.assert(
    fc.property(scenario, (s) => {
      const input = inputOf(s)
      const first = decideForwarding(input)
      const decision: CallDecision =
        first.kind === 'forward'
          ? { kind: 'forward', domain: s.domain, callee: s.called, reason: first.reason, step: first.step, forwarding: input.settings, notes: first.notes }
          : {
              kind: 'ring',
              domain: s.domain,
              callee: s.called,
              afterRing: first.afterRing,
              plan: planCall({ domain: s.domain, called: input.called, followMe: undefined, destinations: [], extensions: new Map(), routes: new Map(), callerId: undefined, visited: s.visited }),
            }
      check(actionsFor(decision, settings).actions)
      const after = decideAfterRing(input, s.cause)
      check(actionsFor({ kind: 'forward', domain: s.domain, callee: s.called, reason: 'ring-failed', step: after.step, forwarding: input.settings, notes: [] }, settings).actions)
      decisions += 2
    }),
    { numRuns: 1500 },
  )
  t.equal(decisions, 3000, 'every generated scenario checked')
})
