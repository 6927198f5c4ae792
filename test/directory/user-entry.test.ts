import t from 'tap'
import { a1Hash, keptUserOf, userEntryOf } from '../../src/directory/user-entry.js'
import type { DirectoryUserRow } from '../../src/directory/repository.js'

// The entry FreeSWITCH gets, made as the service makes it: the kept row, then its entry.
const directoryUser = (row: DirectoryUserRow, realm: string | undefined) => userEntryOf(keptUserOf(row, realm))

const row: DirectoryUserRow = {
  domain: 'pbx.example.com',
  extension: '100',
  sip_password: 'pw',
  display_name: null,
  outbound_caller_id_name: null,
  outbound_caller_id_number: null,
  tenant_caller_id_name: null,
  tenant_caller_id_number: null,
  ring_timeout_s: 30,
  voicemail_enabled: true,
  voicemail_pin: null,
  toll_allow: [],
}

t.test('a1Hash is md5(user:realm:password)', async (t) => {
  t.equal(a1Hash('1000', '127.0.0.1', '1234'), 'e2f582b9dc317e63b6fe82419883aac5')
})

t.test('caller ID falls back to the extension; no PIN means no vm-password', async (t) => {
  const user = directoryUser(row, undefined)
  const vars = Object.fromEntries(user.variables)
  t.equal(vars.effective_caller_id_name, '100')
  t.equal(vars.outbound_caller_id_name, '100')
  t.equal(vars.outbound_caller_id_number, '100')
  t.equal(vars.toll_allow, '')
  const params = Object.fromEntries(user.params)
  t.equal(params['vm-enabled'], 'true')
  t.notOk('vm-password' in params)
  t.notOk('password' in params)
})

t.test("outbound caller ID: the extension's, else the tenant default, else its name and number", async (t) => {
  const outbound = (values: Partial<typeof row>) => {
    const vars = Object.fromEntries(directoryUser({ ...row, display_name: 'Alice', ...values }, undefined).variables)
    return [vars.outbound_caller_id_name, vars.outbound_caller_id_number]
  }
  t.strictSame(outbound({}), ['Alice', '100'])
  t.strictSame(outbound({ tenant_caller_id_name: 'Acme', tenant_caller_id_number: '+15551230000' }), ['Acme', '+15551230000'])
  t.strictSame(
    outbound({ outbound_caller_id_name: 'Sales', outbound_caller_id_number: '+15551230001', tenant_caller_id_name: 'Acme', tenant_caller_id_number: '+15551230000' }),
    ['Sales', '+15551230001'],
  )
  t.strictSame(outbound({ tenant_caller_id_name: 'Acme' }), ['Acme', '100'], 'each falls back on its own')
})
