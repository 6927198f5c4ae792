import t from 'tap'
import { escapeCallerIdName, renderBridge, type DialStringSettings } from '../../src/freeswitch/dial-string.js'
import type { PlannedLeg } from '../../src/followme/plan.js'

// Golden dial strings, written by hand from facts §9 (the form measured on
// FreeSWITCH 1.10.12): one enterprise branch per leg.

const settings: DialStringSettings = { confirmTimeoutS: 20, confirmContext: 'followme_confirm', confirmExtension: 'followme_confirm' }
const desk = (startS: number, ringS: number, extension = '100'): PlannedLeg => ({
  label: `extension ${extension}`,
  target: { kind: 'registrations', extension, domain: 'pbx.example.com' },
  startS,
  ringS,
  confirm: false,
})
const mobile = (startS: number, ringS: number, more: Partial<PlannedLeg> = {}): PlannedLeg => ({
  label: 'mobile',
  target: { kind: 'gateway', gateway: 'carrier', number: '+15555550100', callerId: { name: 'Alice', number: '+15551230000' } },
  startS,
  ringS,
  confirm: false,
  ...more,
})

t.test('one leg: plain {} variables, no enterprise split', async (t) => {
  t.strictSame(renderBridge([desk(0, 30)], settings), {
    dial: '{ignore_early_media=true,originate_timeout=30,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}',
    skipped: [],
  })
  t.equal(
    renderBridge([desk(5, 10, '101')], settings).dial,
    '{ignore_early_media=true,originate_delay_start=5000,originate_timeout=10,sip_invite_domain=pbx.example.com,presence_id=101@pbx.example.com}${sofia_contact(*/101@pbx.example.com)}',
  )
})

t.test('several legs: <ignore_early_media=true> and one branch per leg', async (t) => {
  t.equal(
    renderBridge([desk(0, 15), desk(15, 15, '101'), mobile(32, 20, { confirm: true })], settings).dial,
    '<ignore_early_media=true>' +
      '{originate_timeout=15,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}:_:' +
      '{originate_delay_start=15000,originate_timeout=15,sip_invite_domain=pbx.example.com,presence_id=101@pbx.example.com}${sofia_contact(*/101@pbx.example.com)}:_:' +
      '{originate_delay_start=32000,originate_timeout=40,leg_timeout=20,group_confirm_timeout=20,group_confirm_key=exec,' +
      'group_confirm_file=execute_extension followme_confirm XML followme_confirm,' +
      'origination_caller_id_name=Alice,origination_caller_id_number=+15551230000}sofia/gateway/carrier/+15555550100',
  )
})

t.test('no legs: no bridge', async (t) => {
  t.strictSame(renderBridge([], settings), { dial: '', skipped: [] })
})

t.test('a leg whose values fail the allow-list is skipped, never rendered', async (t) => {
  const bad = mobile(0, 10, { target: { kind: 'gateway', gateway: 'carrier,sofia/gateway/evil', number: '1', callerId: undefined } })
  const badNumber = mobile(0, 10, { target: { kind: 'gateway', gateway: 'carrier', number: '1|2', callerId: undefined } })
  const badCallerId = mobile(0, 10, { target: { kind: 'gateway', gateway: 'carrier', number: '1', callerId: { name: 'x', number: '${x}' } } })
  const badExt = { ...desk(0, 10), target: { kind: 'registrations' as const, extension: '100}', domain: 'pbx.example.com' } }
  const badDomain = { ...desk(0, 10), target: { kind: 'registrations' as const, extension: '100', domain: 'pbx.example.com)}' } }
  const { dial, skipped } = renderBridge([bad, badNumber, badCallerId, badExt, badDomain, desk(0, 10)], settings)
  t.equal(dial, '{ignore_early_media=true,originate_timeout=10,sip_invite_domain=pbx.example.com,presence_id=100@pbx.example.com}${sofia_contact(*/100@pbx.example.com)}')
  t.match(skipped, [/gateway name/, /number "1\|2"/, /number "\$\{x\}"/, /extension "100\}"/, /domain/])
})

t.test('caller ID names: kept readable, never able to break out', async (t) => {
  const cases: Array<[string, string]> = [
    ['Alice', 'Alice'],
    ["Zoë O'Brien", 'Zoë O\u2019Brien'],
    ["Bob's Pub's", 'Bob\u2019s Pub\u2019s'],
    ['Smith, John', 'Smith\\, John'],
    ['Мария Иванова', 'Мария Иванова'],
    ['山田 太郎', '山田 太郎'],
    ['a${sofia_contact(*/1@x)}b', 'a sofia_contact( /1@x) b'],
    ['x}sofia/gateway/evil/1', 'x sofia/gateway/evil/1'],
    ['A:_:B|C[D]^^;E', 'A _ B C D E'],
    ['  tabs\tand\nnewlines  ', 'tabs and newlines'],
    ['${}[]|', ''],
  ]
  for (const [input, expected] of cases) t.equal(escapeCallerIdName(input), expected, JSON.stringify(input))
  t.equal(escapeCallerIdName('x'.repeat(100)).length, 64)
  const { dial } = renderBridge([mobile(0, 10, { target: { kind: 'gateway', gateway: 'carrier', number: '1', callerId: { name: '${}', number: '2' } } })], settings)
  t.equal(dial, '{ignore_early_media=true,originate_timeout=10,origination_caller_id_number=2}sofia/gateway/carrier/1', 'an empty name is left out')
})
