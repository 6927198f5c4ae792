/**
 * Event texts for the status tests that vary what real captures cannot (two
 * nodes, restarts, many phones), written from the headers facts-2 §10-11
 * lists (sofia_reg.c, switch_channel.c of 1.10.12) and checked against the
 * real frames in test/fixtures/esl/ (same names, same meanings; see
 * test/status/captured.test.ts for the captured frames themselves).
 */
export type Headers = Record<string, string>

export interface NodeIdentity {
  switchname: string
  coreUuid: string
}

const stamp = (node: NodeIdentity, name: string, more: Headers): Headers => ({
  'Event-Name': name,
  'Core-UUID': node.coreUuid,
  'FreeSWITCH-Hostname': node.switchname,
  'FreeSWITCH-Switchname': node.switchname,
  'FreeSWITCH-IPv4': '127.0.0.1',
  'FreeSWITCH-IPv6': '::1',
  'Event-Date-Local': '2026-12-02 07:00:00',
  'Event-Date-GMT': 'Wed, 02 Dec 2026 07:00:00 GMT',
  'Event-Date-Timestamp': '1796194800000000',
  'Event-Calling-File': 'sofia_reg.c',
  'Event-Calling-Function': 'sofia_reg_handle_register_token',
  'Event-Calling-Line-Number': '2083',
  'Event-Sequence': '1',
  ...more,
})

export interface Phone {
  extension: string
  domain: string
  callId: string
  ip: string
  port: string
  userAgent: string
}

const contactOf = (p: Phone) => `"${p.extension}" <sip:${p.extension}@${p.ip}:${p.port}>`

export function register(node: NodeIdentity, p: Phone, more: Headers = {}): Headers {
  return stamp(node, 'CUSTOM', {
    'Event-Subclass': 'sofia::register',
    'profile-name': 'internal',
    'from-user': p.extension,
    'from-host': p.domain,
    'presence-hosts': p.domain,
    contact: contactOf(p),
    'call-id': p.callId,
    rpid: 'unknown',
    status: 'Registered(UDP)',
    expires: '3600',
    'to-user': p.extension,
    'to-host': p.domain,
    'network-ip': p.ip,
    'network-port': p.port,
    username: p.extension,
    realm: p.domain,
    'user-agent': p.userAgent,
    sip_number_alias: p.extension,
    sip_auth_username: p.extension,
    sip_auth_realm: p.domain,
    number_alias: p.extension,
    user_name: p.extension,
    domain_name: p.domain,
    'mwi-account': `${p.extension}@${p.domain}`,
    ...more,
  })
}

export function unregister(node: NodeIdentity, p: Phone): Headers {
  return stamp(node, 'CUSTOM', {
    'Event-Subclass': 'sofia::unregister',
    'profile-name': 'internal',
    username: p.extension,
    'from-user': p.extension,
    'from-host': p.domain,
    contact: contactOf(p),
    'call-id': p.callId,
    rpid: 'unknown',
    realm: p.domain,
    'network-ip': p.ip,
    'network-port': p.port,
    'user-agent': p.userAgent,
    expires: '0',
    user_name: p.extension,
    domain_name: p.domain,
  })
}

export function socketDisconnection(node: NodeIdentity, p: Phone): Headers {
  return stamp(node, 'CUSTOM', {
    'Event-Subclass': 'sofia::unregister',
    'profile-name': 'internal',
    'from-user': p.extension,
    'from-host': p.domain,
    'call-id': p.callId,
    rpid: 'unknown',
    reason: 'socket-disconnection',
  })
}

export function expire(node: NodeIdentity, p: Phone): Headers {
  return stamp(node, 'CUSTOM', {
    'Event-Subclass': 'sofia::expire',
    'profile-name': 'internal',
    'call-id': p.callId,
    user: p.extension,
    username: p.extension,
    host: p.domain,
    contact: contactOf(p),
    expires: '1796194860',
    'user-agent': p.userAgent,
    realm: p.domain,
    'network-ip': p.ip,
    'network-port': p.port,
  })
}

export function registerFailure(node: NodeIdentity, user: string, domain: string, ip: string, type = 'REGISTER'): Headers {
  return stamp(node, 'CUSTOM', {
    'Event-Subclass': 'sofia::register_failure',
    'profile-name': 'internal',
    'to-user': user,
    'to-host': domain,
    'network-ip': ip,
    'user-agent': 'friendly-scanner',
    'network-port': '5060',
    'registration-type': type,
  })
}

export interface Leg {
  uuid: string
  direction: 'inbound' | 'outbound'
  presence: string
  callUuid: string
  caller: string
  destination: string
}

export function channel(node: NodeIdentity, name: 'CHANNEL_CREATE' | 'CHANNEL_ANSWER' | 'CHANNEL_HANGUP_COMPLETE', leg: Leg): Headers {
  const answerState = name === 'CHANNEL_CREATE' ? 'ringing' : name === 'CHANNEL_ANSWER' ? 'answered' : 'hangup'
  return stamp(node, name, {
    'Event-Calling-File': 'switch_core_state_machine.c',
    'Channel-State': name === 'CHANNEL_HANGUP_COMPLETE' ? 'CS_REPORTING' : 'CS_INIT',
    'Channel-Call-State': name === 'CHANNEL_ANSWER' ? 'ACTIVE' : name === 'CHANNEL_CREATE' ? 'DOWN' : 'HANGUP',
    'Unique-ID': leg.uuid,
    'Call-Direction': leg.direction,
    'Presence-Call-Direction': leg.direction,
    'Answer-State': answerState,
    'Channel-Presence-ID': leg.presence,
    'Channel-Call-UUID': leg.callUuid,
    'Caller-Caller-ID-Number': leg.caller,
    'Caller-Destination-Number': leg.destination,
    variable_presence_id: leg.presence,
    ...(name === 'CHANNEL_HANGUP_COMPLETE' ? { 'Hangup-Cause': 'NORMAL_CLEARING' } : {}),
  })
}

/** `sofia xmlstatus` (mod_sofia.c:3258ff): one profile, its alias and a gateway. */
export function xmlstatusProfiles(node: NodeIdentity): string {
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<profiles>
<profile>
<name>internal</name>
<type>profile</type>
<data>sip:mod_sofia@127.0.0.1:5060</data>
<state>RUNNING (0)</state>
</profile>
<alias>
<name>127.0.0.1</name>
<type>alias</type>
<data>internal</data>
<state>ALIASED</state>
</alias>
<gateway>
<name>carrier</name>
<type>gateway</type>
<data>sip:carrier@198.51.100.1</data>
<state>NOREG</state>
</gateway>
</profiles>
<!-- ${node.switchname} -->
`
}

/** `sofia xmlstatus profile internal reg` (mod_sofia.c:2825-2866); agents raw, as sofia amp-encodes them. */
export function xmlstatusRegistrations(node: NodeIdentity, phones: Array<Phone & { host?: string; rawAgent?: string }>): string {
  const registration = (p: Phone & { host?: string; rawAgent?: string }) => `<registration>
<call-id>${p.callId}</call-id>
<user>${p.extension}@${p.domain}</user>
<contact>&quot;${p.extension}&quot; &lt;sip:${p.extension}@${p.ip}:${p.port}&gt;</contact>
<agent>${p.rawAgent ?? p.userAgent}</agent>
<status>Registered(UDP)(unknown) exp(2026-12-02 08:01:00) expsecs(3660)</status>
<ping-status>Reachable</ping-status>
<ping-time>0.00</ping-time>
<host>${p.host ?? node.switchname}</host>
<network-ip>${p.ip}</network-ip>
<network-port>${p.port}</network-port>
<sip-auth-user>${p.extension}</sip-auth-user>
<sip-auth-realm>${p.domain}</sip-auth-realm>
<mwi-account>${p.extension}@${p.domain}</mwi-account>
</registration>
`
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<profile>
<registrations>
${phones.map(registration).join('')}</registrations>
</profile>
`
}

/** `show channels as json` (mod_commands.c:5955-5994). */
export function showChannels(legs: Array<Leg & { callstate: string }>): string {
  if (legs.length === 0) return '{"row_count":0}\n'
  return `${JSON.stringify({
    row_count: legs.length,
    rows: legs.map((l) => ({
      uuid: l.uuid,
      direction: l.direction,
      created: '2026-12-02 07:00:00',
      created_epoch: '1796194800',
      name: `sofia/internal/${l.destination}@127.0.0.1`,
      state: 'CS_EXCHANGE_MEDIA',
      cid_name: l.caller,
      cid_num: l.caller,
      dest: l.destination,
      presence_id: l.presence,
      callstate: l.callstate,
      call_uuid: l.callUuid,
      hostname: 'fs1',
    })),
  })}\n`
}
