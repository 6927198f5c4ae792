import t from 'tap'
import { GLOBAL_BUCKET } from '../../src/cache/answer-cache.js'
import type { DialplanRequest } from '../../src/dialplan/request.js'
import type { DirectoryRequest } from '../../src/directory/request.js'
import { cacheKeyOf } from '../../src/freeswitch/cache-key.js'

// The key must hold everything an answer depends on besides the rows: two
// requests that differ in anything that changes the answer must never
// share an entry. If a field is added to a request type, the field lists
// below fail until the key (and this test) account for it.

type Call = Extract<DialplanRequest, { kind: 'call' }>
type User = Extract<DirectoryRequest, { kind: 'user' }>

const call: Call = {
  kind: 'call',
  context: 'pbx.example.com',
  contextName: 'pbx.example.com',
  destination: '100',
  caller: { kind: 'extension', extension: '101' },
  visited: [],
  uniqueId: '0e997291-7756-488d-956f-38539fc596e5',
  failedCause: undefined,
}
const user: User = { kind: 'user', action: 'sip_auth', domain: 'pbx.example.com', user: '100', realm: 'pbx.example.com' }
const keyOfCall = (c: Call) => cacheKeyOf({ section: 'dialplan', dialplan: c })
const keyOfUser = (u: User) => cacheKeyOf({ section: 'directory', directory: u })

t.test('a call: every field but the Unique-ID is in the key', async (t) => {
  t.strictSame(Object.keys(call).sort(), ['caller', 'context', 'contextName', 'destination', 'failedCause', 'kind', 'uniqueId', 'visited'], 'the fields this test knows')
  const base = keyOfCall(call)
  t.equal(base?.bucket, 'pbx.example.com')
  const variants: Call[] = [
    { ...call, contextName: 'PBX.example.com' },
    { ...call, destination: '1000' },
    { ...call, caller: { kind: 'anonymous' } },
    // An external caller's name and number may be in the answer (its Follow Me legs to mobiles).
    { ...call, caller: { kind: 'anonymous', name: 'Bob' } },
    { ...call, caller: { kind: 'anonymous', name: 'Bob', number: '+12125550199' } },
    { ...call, caller: { kind: 'anonymous', number: '+12125550199' } },
    { ...call, caller: { kind: 'anonymous', name: 'a\u0001', number: '' } },
    { ...call, caller: { kind: 'anonymous', name: 'a', number: '\u0001' } },
    { ...call, caller: { kind: 'extension', extension: '102' } },
    { ...call, visited: ['101'] },
    { ...call, visited: ['1', '01'] },
    { ...call, failedCause: 'USER_BUSY' },
    { ...call, failedCause: 'NO_ANSWER' },
  ]
  const keys = new Set(variants.map((v) => keyOfCall(v)?.key))
  t.equal(keys.size, variants.length, 'all different')
  t.notOk(keys.has(base?.key), 'and different from the base')
  t.strictSame(keyOfCall({ ...call, uniqueId: 'another-call' }), base, 'the Unique-ID changes nothing')
  t.strictSame(keyOfCall({ ...call, context: 'public', contextName: 'public' })?.bucket, GLOBAL_BUCKET, 'the public context spans tenants')
})

t.test('a directory user: every field is in the key', async (t) => {
  t.strictSame(Object.keys(user).sort(), ['action', 'domain', 'kind', 'realm', 'user'])
  const variants: User[] = [user, { ...user, action: 'user_call' }, { ...user, user: '1000' }, { ...user, realm: undefined }, { ...user, realm: 'other' }]
  const keys = variants.map((u) => keyOfUser(u))
  t.equal(new Set(keys.map((k) => k?.key)).size, variants.length)
  t.equal(keyOfUser({ ...user, domain: 'b.example.com' })?.bucket, 'b.example.com', 'the domain is the bucket')
})

t.test('never kept: refused, unsupported, and unsupported lookups inside a section', async (t) => {
  t.equal(cacheKeyOf({ section: 'refused', reason: 'x' }), undefined)
  t.equal(cacheKeyOf({ section: 'unsupported', reason: 'x' }), undefined)
  t.equal(cacheKeyOf({ section: 'directory', directory: { kind: 'unsupported', reason: 'x' } }), undefined)
  t.equal(cacheKeyOf({ section: 'dialplan', dialplan: { kind: 'unsupported', reason: 'x' } }), undefined)
})

t.test('a directory listing: kept in its tenant\'s bucket', async (t) => {
  const listing = cacheKeyOf({ section: 'directory', directory: { kind: 'directory-listing', domain: 'pbx.example.com' } })
  t.equal(listing?.bucket, 'pbx.example.com', 'dropped with its tenant\'s rows')
  t.not(listing?.key, keyOfUser(user)?.key)
  t.equal(cacheKeyOf({ section: 'directory', directory: { kind: 'directory-listing', domain: 'b.example.com' } })?.bucket, 'b.example.com')
})

t.test("spanning tenants, in the global bucket: sofia's domain list and the press-1 confirm", async (t) => {
  t.strictSame(cacheKeyOf({ section: 'directory', directory: { kind: 'domain-list' } })?.bucket, GLOBAL_BUCKET)
  const confirm = (destination: string) => cacheKeyOf({ section: 'dialplan', dialplan: { kind: 'confirm', destination } })
  t.equal(confirm('fmconfirm')?.bucket, GLOBAL_BUCKET)
  t.not(confirm('fmconfirm')?.key, confirm('fmconfirm2')?.key, 'the destination is in the key')
})
