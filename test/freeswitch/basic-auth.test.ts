import t from 'tap'
import { secretMatcher } from '../../src/freeswitch/basic-auth.js'

t.test('the secret matcher: equal only for the same secret, whatever the lengths', async (t) => {
  const matches = secretMatcher('freeswitch:xml-curl-secret')
  t.equal(matches('freeswitch:xml-curl-secret'), true)
  for (const other of ['', 'freeswitch:xml-curl-secreT', 'freeswitch:xml-curl-secret ', 'freeswitch', 'freeswitchx:ml-curl-secret', 'x'.repeat(10_000)]) {
    t.equal(matches(other), false, JSON.stringify(other.slice(0, 40)))
  }
  t.equal(secretMatcher('é')('é'), true, 'compared as UTF-8')
})
