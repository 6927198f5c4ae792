import t from 'tap'
import { describeLookup } from '../../src/freeswitch/describe.js'

// The log line's description of each kind of lookup, field by field: what an
// operator greps for (who, which call) and nothing secret.

t.test('calls: context, destination, the caller, and the Unique-ID when there is one', async (t) => {
  const call = {
    kind: 'call' as const, context: 'pbx.example.com', contextName: 'pbx.example.com', destination: '100',
    caller: { kind: 'extension' as const, extension: '101' }, visited: [], uniqueId: 'u-1', failedCause: undefined,
  }
  t.strictSame(describeLookup({ section: 'dialplan', dialplan: call }), { section: 'dialplan', context: 'pbx.example.com', destination: '100', caller: '101', call: 'u-1' })
  t.strictSame(describeLookup({ section: 'dialplan', dialplan: { ...call, context: 'public', caller: { kind: 'anonymous', name: 'Eve', number: '+1555' }, uniqueId: undefined } }), {
    section: 'dialplan', context: 'public', destination: '100', caller: 'anonymous',
  }, "an external caller's name and number are not logged; no Unique-ID, no call field")
  t.strictSame(describeLookup({ section: 'dialplan', dialplan: { kind: 'confirm', destination: 'fmconfirm' } }), { section: 'dialplan', context: 'followme_confirm', destination: 'fmconfirm' })
  t.strictSame(describeLookup({ section: 'dialplan', dialplan: { kind: 'unsupported', reason: 'no destination' } }), { section: 'dialplan', reason: 'no destination' })
})

t.test('directory lookups: the action and user@domain', async (t) => {
  t.strictSame(describeLookup({ section: 'directory', directory: { kind: 'user', action: 'sip_auth', domain: 'pbx.example.com', user: '100', realm: 'secret-realm' } }), {
    section: 'directory', action: 'sip_auth', user: '100@pbx.example.com',
  })
  t.strictSame(describeLookup({ section: 'directory', directory: { kind: 'domain-list' } }), { section: 'directory', action: 'domain-list' })
  t.strictSame(describeLookup({ section: 'directory', directory: { kind: 'directory-listing', domain: 'pbx.example.com' } }), {
    section: 'directory', action: 'directory-listing', user: '*@pbx.example.com',
  })
  t.strictSame(describeLookup({ section: 'directory', directory: { kind: 'unsupported', reason: 'key number-alias' } }), { section: 'directory', reason: 'key number-alias' })
})

t.test('refused and unsupported requests: the reason', async (t) => {
  t.strictSame(describeLookup({ section: 'refused', reason: 'field user is repeated' }), { section: 'refused', reason: 'field user is repeated' })
  t.strictSame(describeLookup({ section: 'unsupported', reason: 'section languages' }), { section: 'unsupported', reason: 'section languages' })
})
