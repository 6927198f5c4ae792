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
          { label: '15550100 via gw', target: { kind: 'gateway', gateway: 'gw', number: '15550100', callerId: undefined }, startS: 5, ringS: 25, confirm: true },
        ],
        noAnswer: { kind: 'transfer', extension: '101', domain: 'pbx.example.com', visited: ['100'] },
        notes: ['destination 3 (extension 199) dropped: no enabled extension 199 in pbx.example.com'],
      },
    },
    actions: [['ring_ready'], ['bridge', 'X']],
    notes: ['destination 3 (extension 199) dropped: no enabled extension 199 in pbx.example.com'],
  }
  t.equal(
    formatExplanation(explanation),
    [
      'Call to 100@pbx.example.com from outside: Follow Me, simultaneous',
      '  ring       0s → 20s      extension 100 (every registration)',
      '  ring       5s → 30s      15550100 via gw  [must press 1]',
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
