import t from 'tap'
import { parseDialplanRequest, type DialplanRequest } from '../../src/dialplan/request.js'
import { XmlCurlFields } from '../../src/freeswitch/fields.js'

// The dialplan lookup's classification, every branch with its exact answer.
// Field names are those dialplan_xml_locate's event carries (facts §1, the
// captures in test/fixtures/dialplan-*.txt); route tests cover the same
// through real bodies, this pins each rule on its own.

const D = 'pbx.example.com'
const UUID = '0e997291-7756-488d-956f-38539fc596e5'
const channel = { 'Unique-ID': UUID, 'Caller-Unique-ID': UUID, 'Channel-Name': `sofia/internal/101@${D}` }
const authorized = { variable_sip_authorized: 'true', variable_user_name: '101', variable_domain_name: D }
const base = { 'Caller-Context': D, 'Caller-Destination-Number': '100', ...channel, ...authorized }

const parse = (fields: Record<string, string>): DialplanRequest => parseDialplanRequest(new XmlCurlFields(new Map(Object.entries(fields))))
type Call = Extract<DialplanRequest, { kind: 'call' }>
const call = (fields: Record<string, string>): Call => {
  const request = parse(fields)
  if (request.kind !== 'call') throw new Error(`not a call: ${JSON.stringify(request)}`)
  return request
}

t.test('a call from an authenticated extension', async (t) => {
  t.strictSame(parse(base), {
    kind: 'call', context: D, contextName: D, destination: '100', caller: { kind: 'extension', extension: '101' }, visited: [], uniqueId: UUID, failedCause: undefined,
  })
})

t.test('Hunt-* (the profile routed now, after a transfer) wins over Caller-*', async (t) => {
  const r = call({ ...base, 'Hunt-Context': 'PBX.Example.com', 'Hunt-Destination-Number': '102', 'Caller-Context': 'public', 'Caller-Destination-Number': '999' })
  t.strictSame([r.context, r.contextName, r.destination], [D, 'PBX.Example.com', '102'], 'context compared in lower case, named as sent')
  const external = call({ ...base, variable_sip_authorized: 'false', 'Hunt-Caller-ID-Name': 'Hunt Name', 'Hunt-Caller-ID-Number': '+1555', 'Caller-Caller-ID-Name': 'Old', 'Caller-Caller-ID-Number': '1' })
  t.strictSame(external.caller, { kind: 'anonymous', name: 'Hunt Name', number: '+1555' })
  t.strictSame(call({ ...base, variable_sip_authorized: 'false', 'Caller-Caller-ID-Name': 'Old', 'Caller-Caller-ID-Number': '1' }).caller, { kind: 'anonymous', name: 'Old', number: '1' })
})

t.test('unsupported, each with its reason', async (t) => {
  const { 'Caller-Context': _c, ...noContext } = base
  t.strictSame(parse(noContext), { kind: 'unsupported', reason: 'no context' })
  t.strictSame(parse({ ...base, 'Caller-Context': 'bad context' }), { kind: 'unsupported', reason: 'context bad context' })
  t.strictSame(parse({ ...base, 'Caller-Context': 'followme_other' }), { kind: 'unsupported', reason: 'context followme_other' }, 'no domain has an underscore: only the confirm context does')
  const { 'Caller-Destination-Number': _d, ...noDestination } = base
  const unroutable = { kind: 'unsupported', reason: 'no routable destination number' }
  t.strictSame(parse(noDestination), unroutable)
  for (const destination of ['1 00', '100@x', '1'.repeat(65), '100;x', '${x}']) t.strictSame(parse({ ...base, 'Caller-Destination-Number': destination }), unroutable, destination)
  for (const destination of ['1'.repeat(64), '*21', '#', '+15551230000', 'fm100', 'failed_100_USER_BUSY']) t.equal(parse({ ...base, 'Caller-Destination-Number': destination }).kind, 'call', destination)
})

t.test('the confirm context and the public context', async (t) => {
  t.strictSame(parse({ ...base, 'Caller-Context': 'followme_confirm', 'Caller-Destination-Number': 'fmconfirm' }), { kind: 'confirm', destination: 'fmconfirm' })
  t.strictSame(parse({ ...base, 'Caller-Context': 'FOLLOWME_CONFIRM', 'Caller-Destination-Number': 'fmconfirm' }), { kind: 'confirm', destination: 'fmconfirm' })
  t.strictSame(parse({ ...base, 'Caller-Context': 'followme_confirm', 'Caller-Destination-Number': 'x y' }), { kind: 'unsupported', reason: 'no routable destination number' })
  const carrier = call({ ...base, 'Caller-Context': 'Public', variable_sip_authorized: '' })
  t.strictSame([carrier.context, carrier.contextName, carrier.caller.kind], ['public', 'Public', 'anonymous'])
})

t.test('the caller is an extension only when FreeSWITCH authenticated it for this domain', async (t) => {
  const anonymous = { kind: 'anonymous', name: undefined, number: undefined }
  t.strictSame(call({ ...base, variable_sip_authorized: 'TRUE' }).caller, anonymous, 'exactly "true"')
  t.strictSame(call({ ...base, variable_sip_authorized: '' }).caller, anonymous)
  t.strictSame(call({ ...base, variable_user_name: '' }).caller, anonymous, 'no user name')
  t.strictSame(call({ ...base, variable_user_name: '101@evil' }).caller, anonymous, 'no extension number')
  t.strictSame(call({ ...base, variable_domain_name: 'other.example.com' }).caller, anonymous, "another tenant's extension")
  t.strictSame(call({ ...base, variable_domain_name: '' }).caller, anonymous, 'no domain')
  t.strictSame(call({ ...base, variable_domain_name: 'PBX.EXAMPLE.COM' }).caller, { kind: 'extension', extension: '101' }, 'domains compare case-insensitively')
})

t.test('visited: the extensions of the transfer chain, anything else dropped', async (t) => {
  t.strictSame(call({ ...base, variable_followme_visited: '101,102' }).visited, ['101', '102'])
  t.strictSame(call({ ...base, variable_followme_visited: '101,,x,1@2,103' }).visited, ['101', '103'])
})

t.test('the Unique-ID only when the lookup describes a channel', async (t) => {
  t.equal(call({ ...base, 'Caller-Unique-ID': 'another' }).uniqueId, undefined, 'the caller profile is of another channel')
  const { 'Channel-Name': _n, ...noName } = base
  t.equal(call(noName).uniqueId, undefined, 'no channel name')
  t.equal(call({ ...base, 'Unique-ID': 'a b', 'Caller-Unique-ID': 'a b' }).uniqueId, undefined, 'not a UUID shape')
  t.equal(call({ ...base, 'Unique-ID': 'x'.repeat(65), 'Caller-Unique-ID': 'x'.repeat(65) }).uniqueId, undefined, 'too long')
  t.equal(call({ ...base, 'Unique-ID': 'x'.repeat(64), 'Caller-Unique-ID': 'x'.repeat(64) }).uniqueId, 'x'.repeat(64))
  const { 'Unique-ID': _u, ...noId } = base
  t.equal(call(noId).uniqueId, undefined, 'none')
})

t.test('failedCause: a cause name, else nothing', async (t) => {
  t.equal(call({ ...base, variable_originate_failed_cause: 'USER_BUSY' }).failedCause, 'USER_BUSY')
  t.equal(call({ ...base, variable_originate_failed_cause: 'A'.repeat(40) }).failedCause, 'A'.repeat(40))
  for (const cause of ['user_busy', 'USER BUSY', 'A'.repeat(41), 'USER_BUSY;x']) t.equal(call({ ...base, variable_originate_failed_cause: cause }).failedCause, undefined, cause)
})
