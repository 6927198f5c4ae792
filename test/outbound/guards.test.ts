import t from 'tap'
import { chooseRoute, type RouteRow } from '../../src/outbound/route.js'

// Survivors of the first mutation run on src/outbound (README, Mutation
// testing), each given a case only it decides.

const route = (more: Partial<RouteRow> = {}): RouteRow => ({
  priority: 10,
  pattern: '^[0-9]+$',
  gateway: 'carrier',
  strip_digits: 0,
  prepend: '',
  toll_class: null,
  ...more,
})

t.test('a dial string longer than 24 digits is refused, whatever the route made of it', async (t) => {
  const longest = '1'.repeat(24)
  t.strictSame(chooseRoute(longest, [route()], []), { ok: true, route: route(), dial: longest }, '24 digits: dialled')
  t.strictSame(chooseRoute(`+${longest}`, [route()], []), { ok: true, route: route(), dial: `+${longest}` }, 'and a leading +')
  // E.164 allows 15 digits; 24 leaves room for prefixes, and no more.
  t.strictSame(chooseRoute('1'.repeat(25), [route()], []), {
    ok: false,
    cause: 'NO_ROUTE_DESTINATION',
    reason: `route 10 turns ${'1'.repeat(25)} into "${'1'.repeat(25)}", which is not a dialable number`,
  })
  t.strictSame(chooseRoute('1'.repeat(20), [route({ prepend: '00000' })], []), {
    ok: false,
    cause: 'NO_ROUTE_DESTINATION',
    reason: `route 10 turns ${'1'.repeat(20)} into "00000${'1'.repeat(20)}", which is not a dialable number`,
  }, 'made too long by the prepend')
})

t.test('a barred number says which classes were allowed, each of them', async (t) => {
  const choice = chooseRoute('+442071234567', [route({ toll_class: 'international' })], ['local', 'domestic'])
  t.strictSame(choice, { ok: false, cause: 'OUTGOING_CALL_BARRED', reason: '+442071234567 needs toll class international, allowed: local,domestic' })
})
