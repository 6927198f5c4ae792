import t from 'tap'
import { probeTarget } from '../../src/presence/lamp.js'

t.test('which lamp a PRESENCE_PROBE asks about', async (t) => {
  t.strictSame(probeTarget({ to: 'fm100@PBX.Example.com', proto: 'sip', expires: '600' }), { kind: 'lamp', feature: 'fm', extension: '100', host: 'pbx.example.com' })
  t.strictSame(probeTarget({ to: 'fm100@pbx.example.com' }), { kind: 'lamp', feature: 'fm', extension: '100', host: 'pbx.example.com' }, 'proto defaults to sip')
  t.strictSame(probeTarget({ to: 'dnd100@pbx.example.com' }), { kind: 'lamp', feature: 'dnd', extension: '100', host: 'pbx.example.com' }, 'the DND lamp')
  t.strictSame(probeTarget({ to: 'cf7@pbx.example.com' }), { kind: 'lamp', feature: 'cf', extension: '7', host: 'pbx.example.com' }, 'the forward-all lamp')
  t.strictSame(probeTarget({ to: 'fm100@pbx.example.com', proto: 'dnd' }), { kind: 'ignore', reason: 'proto dnd' })
  t.strictSame(probeTarget({ to: 'fm100@pbx.example.com', expires: '0' }), { kind: 'ignore', reason: 'unsubscribe' })
  for (const to of ['100@pbx.example.com', 'fm@pbx.example.com', 'fm100', 'fm100@a@b', 'fm100@bad_host', 'fm1234567890123456@pbx.example.com', 'dnd+100@pbx.example.com', 'forward+100@pbx.example.com', 'cfx100@pbx.example.com', null]) {
    t.equal(probeTarget({ to }).kind, 'ignore', String(to))
  }
})
