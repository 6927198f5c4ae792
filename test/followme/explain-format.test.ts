import t from 'tap'
import { formatExplanation, type Explanation } from '../../src/followme/explain.js'

t.test('the text timeline an operator reads', async (t) => {
  const explanation: Explanation = {
    call: '100@pbx.example.com',
    from: 'outside',
    decision: {
      kind: 'ring',
      domain: 'pbx.example.com',
      callee: '100',
      plan: {
        mode: 'follow-me-simultaneous',
        legs: [
          { label: 'extension 100', target: { kind: 'registrations', extension: '100', domain: 'pbx.example.com' }, startS: 0, ringS: 20, confirm: false },
          { label: '15550100 via gw', target: { kind: 'gateway', gateway: 'gw', number: '15550100', callerId: { name: 'Bob', number: undefined } }, startS: 5, ringS: 25, confirm: true },
        ],
        noAnswer: { kind: 'transfer', extension: '101', domain: 'pbx.example.com', visited: ['100'] },
        notes: ['destination 3 (extension 199) dropped: no enabled extension 199 in pbx.example.com'],
      },
      callerName: { kind: 'prefix', prefix: 'SALES#' },
    },
    actions: [['ring_ready'], ['bridge', 'X']],
    notes: ['destination 3 (extension 199) dropped: no enabled extension 199 in pbx.example.com'],
  }
  t.equal(
    formatExplanation(explanation),
    [
      'Call to 100@pbx.example.com from outside: Follow Me, simultaneous',
      '  ring       0s → 20s      extension 100 (every registration)',
      '             caller ID: "SALES#" + the caller\'s name, the caller\'s number',
      '  ring       5s → 30s      15550100 via gw  [must press 1]',
      '             caller ID: the caller\'s own name and number (the inbound prefix is not shown)',
      '  no answer  30s           transfer to extension 101 (its own forwards and Follow Me apply)',
      'notes:',
      '  - destination 3 (extension 199) dropped: no enabled extension 199 in pbx.example.com',
      'actions:',
      '  ring_ready',
      '  bridge X',
      '',
    ].join('\n'),
  )
  const rejected = formatExplanation({ ...explanation, decision: { kind: 'reject', cause: 'CALL_REJECTED', reason: 'r' }, notes: [], actions: [['hangup', 'CALL_REJECTED']] })
  t.equal(rejected, 'Call to 100@pbx.example.com from outside: rejected (CALL_REJECTED)\nactions:\n  hangup CALL_REJECTED\n')
})

t.test('the caller ID of outbound and forwarded legs', async (t) => {
  const leg = { label: '2125550123 via gw', target: { kind: 'gateway' as const, gateway: 'gw', number: '2125550123', callerId: { name: 'Acme, Inc.', number: '+15555551000' } }, startS: 0, ringS: 120, confirm: false }
  const outbound = formatExplanation({ call: '2125550123@pbx.example.com', from: 'extension 100', decision: { kind: 'outbound', leg, notes: [] }, actions: [], notes: [] })
  t.match(outbound, /\n {2}caller ID: "Acme, Inc\." \+15555551000\n/)
  const forwarding = { doNotDisturb: false, doNotDisturbAction: 'busy' as const, forwards: { all: { enabled: true, target: { kind: 'external' as const, target: '2125550123' } }, busy: { enabled: false, target: null }, no_answer: { enabled: false, target: null }, not_registered: { enabled: false, target: null } } }
  const step = { kind: 'external' as const, leg: { ...leg, target: { ...leg.target, callerId: undefined } } }
  const forwarded = formatExplanation({
    call: '100@pbx.example.com',
    from: 'outside',
    decision: { kind: 'forward', domain: 'pbx.example.com', callee: '100', reason: 'all', step, forwarding, notes: [], callerName: { kind: 'plain' } },
    actions: [],
    notes: [],
  })
  t.match(forwarded, /\n {2}caller ID: the caller's own name and number\n/)
  t.match(formatExplanation({
    call: '100@pbx.example.com',
    from: 'outside',
    decision: { kind: 'forward', domain: 'pbx.example.com', callee: '100', reason: 'all', step, forwarding, notes: [], callerName: { kind: 'prefix', prefix: 'X#' } },
    actions: [],
    notes: [],
  }), /caller ID: "X#" \+ the caller's name/, 'a prefix reaching an external leg is said, not hidden')
})
