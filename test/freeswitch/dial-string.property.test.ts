import fc from 'fast-check'
import t from 'tap'
import { renderBridge, type DialStringSettings } from '../../src/freeswitch/dial-string.js'
import type { PlannedLeg } from '../../src/followme/plan.js'
import { parseDialString, type DialLeg } from '../helpers/freeswitch-dialstring.js'

// For arbitrary text in every column that reaches a dial string, the
// generated string splits, the way FreeSWITCH splits it (the oracle in
// test/helpers, a port of its C code), into exactly the intended legs and
// variables: no value adds a leg, a branch, a variable, or API expansion.

const settings: DialStringSettings = { confirmTimeoutS: 20, confirmContext: 'followme_confirm', confirmExtension: 'followme_confirm' }

const anyText = fc.string({ unit: 'binary', maxLength: 30 })
const nasty = fc.constantFrom(',', '|', '[', ']', '{', '}', "'", '\\', ':_:', '^^;', '${x}', '$${y}', ' ', '=', '<', '>', '\n')
/** Mostly text made of dial-string metacharacters, sometimes any text, sometimes a valid value. */
const column = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    { arbitrary: valid, weight: 6 },
    { arbitrary: anyText, weight: 1 },
    { arbitrary: fc.array(fc.oneof(nasty, fc.constantFrom('a', '1', '+')), { maxLength: 12 }).map((p) => p.join('')), weight: 1 },
  )

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`))
const leg = fc.record({
  kind: fc.constantFrom('registrations', 'gateway'),
  extension: column(digits(1, 15)),
  domain: column(fc.constantFrom('pbx.example.com', '192.0.2.10', 'a-b.example.org')),
  gateway: column(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/)),
  number: column(fc.stringMatching(/^\+?[0-9]{1,15}$/)),
  name: fc.oneof(anyText, fc.array(fc.oneof(nasty, fc.constantFrom('Zoë', "O'Brien", ' ', 'Jr.', '山田')), { maxLength: 8 }).map((p) => p.join(''))),
  callerNumber: column(fc.stringMatching(/^\+?[0-9]{1,15}$/)),
  startS: fc.integer({ min: 0, max: 600 }),
  ringS: fc.integer({ min: 1, max: 600 }),
  confirm: fc.boolean(),
})

type Arb = typeof leg extends fc.Arbitrary<infer T> ? T : never

function planned(a: Arb): PlannedLeg {
  return {
    label: 'leg',
    target:
      a.kind === 'registrations'
        ? { kind: 'registrations', extension: a.extension, domain: a.domain }
        : { kind: 'gateway', gateway: a.gateway, number: a.number, callerId: { name: a.name, number: a.callerNumber } },
    startS: a.startS,
    ringS: a.ringS,
    confirm: a.confirm,
  }
}

const GATEWAY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const NUMBER = /^\+?[0-9]{1,24}$/
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/
/** Whether the test's own allow-lists accept the leg (the schema's rules). */
function acceptable(a: Arb): boolean {
  return a.kind === 'registrations'
    ? /^[0-9]{1,15}$/.test(a.extension) && DOMAIN.test(a.domain)
    : GATEWAY.test(a.gateway) && NUMBER.test(a.number) && NUMBER.test(a.callerNumber)
}

/** The variables a leg must carry, but for the caller ID name (checked apart). */
function intendedVars(a: Arb): Record<string, string> {
  const vars: Record<string, string> = {}
  if (a.startS > 0) vars.originate_delay_start = String(a.startS * 1000)
  if (a.confirm) {
    Object.assign(vars, {
      originate_timeout: String(a.ringS + 20),
      leg_timeout: String(a.ringS),
      group_confirm_timeout: '20',
      group_confirm_key: 'exec',
      group_confirm_file: 'execute_extension followme_confirm XML followme_confirm',
    })
  } else {
    vars.originate_timeout = String(a.ringS)
  }
  if (a.kind === 'registrations') {
    vars.sip_invite_domain = a.domain
    vars.presence_id = `${a.extension}@${a.domain}`
  } else {
    vars.origination_caller_id_number = a.callerNumber
  }
  return vars
}

const lettersAndDigits = (s: string) => [...s.normalize('NFC')].filter((c) => /[\p{L}\p{N}]/u.test(c)).join('')

/** Throws (fast-check then shrinks and reports the counterexample). */
function expect(ok: boolean, what: string, detail: unknown): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(detail)}`)
}

function checkLeg(parsed: DialLeg, a: Arb, branchVars: Record<string, string>): void {
  const { origination_caller_id_name: name, ...vars } = branchVars
  const intended = intendedVars(a)
  expect(JSON.stringify(vars) === JSON.stringify(intended), 'exactly the intended variables', { vars, intended })
  const target = a.kind === 'registrations' ? `\${sofia_contact(*/${a.extension}@${a.domain})}` : `sofia/gateway/${a.gateway}/${a.number}`
  expect(parsed.target === target, 'the intended target', { got: parsed.target, target })
  if (a.kind === 'registrations') return expect(name === undefined, 'no caller ID name on an extension leg', name)
  if (name === undefined) {
    expect(lettersAndDigits(a.name) === '', 'only a name with no letter or digit is left out', a.name)
    return
  }
  // eslint-disable-next-line no-control-regex
  expect(!/[\u0000-\u001f$\\{}[\]|^'"<>:;=]/u.test(name), 'the name carries no metacharacter', name)
  expect(lettersAndDigits(a.name).startsWith(lettersAndDigits(name)), 'the name keeps its letters and digits, in order', { name, input: a.name })
  expect([...name].length <= 64, 'the name is at most 64 characters', name)
}

t.test('every generated bridge splits into exactly the intended legs and variables', async (t) => {
  let checked = 0
  fc.assert(
    fc.property(fc.array(leg, { minLength: 1, maxLength: 4 }), (arbs) => {
      const { dial, skipped } = renderBridge(arbs.map(planned), settings)
      const kept = arbs.filter(acceptable)
      expect(skipped.length === arbs.length - kept.length, 'a leg is skipped exactly when a value fails the allow-list', skipped)
      if (kept.length === 0) return expect(dial === '', 'no legs, no bridge', dial)
      const parsed = parseDialString(dial)
      expect(parsed.enterprise === kept.length > 1, 'enterprise form exactly when several legs', dial)
      expect(parsed.branches.length === kept.length, 'one branch per leg', dial)
      parsed.branches.forEach((branch, i) => {
        expect(branch.error === undefined && branch.groups.length === 1 && branch.groups[0]?.length === 1, 'one leg, no | or , split', dial)
        const only = branch.groups[0]?.[0] as DialLeg
        const { ignore_early_media: early, ...vars } = only.vars
        expect(early === 'true', 'early media never wins', only.vars)
        checkLeg(only, kept[i] as Arb, vars)
        checked++
      })
    }),
    { numRuns: 600 },
  )
  t.ok(checked > 450, `${checked} generated legs split as intended`)
})

t.test('every registration of an extension gets the branch variables', async (t) => {
  // FreeSWITCH expands ${sofia_contact(...)} before it splits the string
  // (facts §5): simulate two registered phones.
  const { dial } = renderBridge(
    [
      { label: 'a', target: { kind: 'registrations', extension: '100', domain: 'pbx.example.com' }, startS: 0, ringS: 15, confirm: false },
      { label: 'b', target: { kind: 'registrations', extension: '101', domain: 'pbx.example.com' }, startS: 15, ringS: 15, confirm: true },
    ],
    settings,
  )
  const expanded = dial.replace(/\$\{sofia_contact\(\*\/(\d+)@([^)]+)\)\}/g, 'sofia/internal/sip:$1@192.0.2.1:5060,sofia/internal/sip:$1@192.0.2.2:5062')
  const parsed = parseDialString(expanded)
  t.equal(parsed.branches.length, 2)
  for (const branch of parsed.branches) {
    const legs = branch.groups[0] ?? []
    t.equal(legs.length, 2, 'both registrations ring')
    t.strictSame(legs[0]?.vars, legs[1]?.vars, 'with the same variables, delay and ring time included')
  }
  t.equal(parsed.branches[1]?.groups[0]?.[1]?.vars.group_confirm_key, 'exec', 'confirm reaches the second phone too')
  t.equal(parsed.branches[1]?.groups[0]?.[1]?.vars.originate_delay_start, '15000')
})
