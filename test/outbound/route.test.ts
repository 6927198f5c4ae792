import t from 'tap'
import { chooseRoute, type RouteRow } from '../../src/outbound/route.js'

const route = (priority: number, more: Partial<RouteRow> = {}): RouteRow => ({
  priority,
  pattern: '^.*$',
  gateway: `gw${priority}`,
  strip_digits: 0,
  prepend: '',
  toll_class: null,
  ...more,
})

t.test('the lowest-priority permitted route wins, after strip and prepend', async (t) => {
  const choice = chooseRoute('15551234567', [route(20), route(10, { toll_class: 'domestic', strip_digits: 1, prepend: '+1' })], ['domestic'])
  t.strictSame(choice, { ok: true, route: route(10, { toll_class: 'domestic', strip_digits: 1, prepend: '+1' }), dial: '+15551234567' })
})

t.test('a route the caller may not use is skipped for a later one', async (t) => {
  const choice = chooseRoute('15551234567', [route(10, { toll_class: 'premium' }), route(20)], [])
  t.equal(choice.ok && choice.route.priority, 20)
})

t.test('no match, not permitted, not dialable', async (t) => {
  t.strictSame(chooseRoute('123', [], ['local']), { ok: false, cause: 'NO_ROUTE_DESTINATION', reason: 'no outbound route matches 123' })
  t.strictSame(chooseRoute('+4420', [route(10, { toll_class: 'international' }), route(20, { toll_class: 'premium' })], ['local']), {
    ok: false,
    cause: 'OUTGOING_CALL_BARRED',
    reason: '+4420 needs toll class international or premium, allowed: local',
  })
  const bad = chooseRoute('+15551234567', [route(10, { prepend: '+' })], [])
  t.match(bad, { ok: false, cause: 'NO_ROUTE_DESTINATION', reason: /not a dialable number/ })
  t.match(chooseRoute('123', [route(10, { strip_digits: 5 })], []), { ok: false, reason: /turns 123 into ""/ })
})
