import t from 'tap'
import { listedChannels, listedProfiles, listedRegistrations } from '../../src/status/listing.js'

// sofia xmlstatus is not well-formed XML when phones send odd user agents
// (facts-2 §10): one phone must not cost the others their rows.

t.test('profiles: only SIP profiles, once each', async (t) => {
  const xml = '<profiles><profile><name>internal</name><type>profile</type></profile><profile><name>internal</name><type>profile</type></profile>' +
    '<alias><name>a</name><type>alias</type></alias><profile><name>bad name</name><type>profile</type></profile><profile><name>external</name><type>profile</type></profile></profiles>'
  t.strictSame(listedProfiles(xml), ['internal', 'external'])
})

t.test('registrations: bare &, control characters, entities; other nodes and unkeyed rows left out', async (t) => {
  const reg = (callId: string, agent: string, more = '') =>
    `<registration><call-id>${callId}</call-id><user>100@PBX.example.com</user><contact>&quot;100&quot; &lt;sip:100@192.0.2.1&gt;</contact><agent>${agent}</agent>` +
    `<status>Registered(WSS-NAT)(unknown) exp(2026-12-02 08:00:00) expsecs(3660)</status><host>fs1</host><network-ip>192.0.2.1</network-ip><network-port>5060</network-port>${more}</registration>`
  const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><profile><registrations>
${reg('a', 'Acme & Co &amp; &#65;&#x42; &bogus; &#0;')}
${reg('b', 'Bell\u0007\u001b[2J\uFFFD')}
${reg('c', 'elsewhere').replace('<host>fs1</host>', '<host>fs2</host>')}
${reg('', 'no call-id')}
${reg('d', 'no status').replace(/<status>.*<\/status>/, '')}
</registrations></profile>`
  const { rows, skipped } = listedRegistrations(xml, 'internal', 'fs1')
  t.equal(skipped, 2)
  t.strictSame(rows.map((r) => r.userAgent), ['Acme & Co & AB &bogus; &#0;', 'Bell\uFFFD\uFFFD[2J\uFFFD'])
  t.match(rows[0], { node: 'fs1', profile: 'internal', callId: 'a', domain: 'pbx.example.com', extension: '100', contact: '"100" <sip:100@192.0.2.1>', transport: 'wss', expiresS: 3600, networkIp: '192.0.2.1', networkPort: 5060 })
})

t.test('show channels as json: answered or not, nobody\'s channels left out, garbage refused', async (t) => {
  const json = JSON.stringify({
    row_count: 4,
    rows: [
      { uuid: 'u1', direction: 'outbound', presence_id: '101@pbx.example.com', callstate: 'RINGING', cid_num: '100', dest: '101', call_uuid: 'c' },
      { uuid: 'u2', direction: 'inbound', presence_id: '100@pbx.example.com', callstate: 'ACTIVE', cid_num: '100', dest: '101', call_uuid: 'c' },
      { uuid: 'u3', direction: 'inbound', presence_id: '', callstate: 'ACTIVE' },
      'junk',
    ],
  })
  t.match(listedChannels(json), [
    { uuid: 'u1', answered: false, extension: '101', otherParty: '100' },
    { uuid: 'u2', answered: true, extension: '100', otherParty: '101' },
  ])
  t.equal(listedChannels(json)?.length, 2)
  t.strictSame(listedChannels('{"row_count": 0}'), [])
  t.equal(listedChannels('-ERR no reply'), undefined)
  t.equal(listedChannels('[1]'), undefined)
})
