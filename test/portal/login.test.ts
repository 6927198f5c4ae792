import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { hashPassword } from '../../src/portal/password.js'
import { eachDatabase } from '../helpers/databases.js'
import { buildPortal, D, OTHER, PASSWORD, PortalClient, seedPortalTenant } from '../helpers/portal.js'

// Logging in and out of the user portal, through the real plugins (session,
// CSRF, rate limits) with inject, on each database.

eachDatabase(t, async (t, database) => {
  const { db } = database
  let ids: Awaited<ReturnType<typeof seedPortalTenant>>
  t.beforeEach(async () => {
    ids = await seedPortalTenant(db)
  })

  t.test('pages behind the login send a stranger to the login page', async (t) => {
    const app = await buildPortal(t, db)
    const client = new PortalClient(app)
    for (const url of ['/followme', '/']) {
      const res = await client.get(url)
      t.equal(res.statusCode, 303, url)
    }
    t.equal((await client.get('/followme')).headers.location, '/login?expired=1')
    const post = await client.post('/followme', { op: 'save' })
    t.equal(post.statusCode, 303, 'a form post without a session changes nothing and goes to the login')
    const login = await client.get('/login')
    t.equal(login.statusCode, 200)
    t.match(login.body, /<label for="account">Extension and domain<\/label>/)
    t.match(login.headers['content-security-policy'], /default-src 'none'/)
    const cookie = String(login.headers['set-cookie'])
    t.match(cookie, /portal_session=/)
    t.match(cookie, /HttpOnly/)
    t.match(cookie, /SameSite=Strict/)
    t.notMatch(cookie, /Secure/, 'not over plain HTTP')
  })

  t.test('the cookie is Secure when the portal is served over TLS', async (t) => {
    const app = await buildPortal(t, db, { secure: true })
    const res = await new PortalClient(app).get('/login')
    t.match(String(res.headers['set-cookie']), /Secure/)
  })

  t.test('the right password logs in; a wrong one, an unknown account or a malformed one do not, with the same words', async (t) => {
    const app = await buildPortal(t, db)
    for (const [account, password] of [
      [`100@${D}`, 'wrong password'],
      [`999@${D}`, PASSWORD],
      [`102@${D}`, PASSWORD],
      ['not an account', PASSWORD],
      [`100@${D}`, ''],
    ] as const) {
      const client = new PortalClient(app)
      const res = await client.login(account, password)
      t.equal(res.statusCode, 401, `${account} / ${password}`)
      t.match(res.body, /Wrong extension, domain or password\./)
      t.equal((await client.get('/followme')).statusCode, 303, 'still logged out')
    }
    const client = new PortalClient(app)
    const res = await client.login(`100@${D.toUpperCase()}`, PASSWORD)
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, '/followme')
    const page = await client.get('/followme')
    t.equal(page.statusCode, 200)
    t.match(page.body, `100@${D}`)
  })

  t.test('a login form without its CSRF token is refused', async (t) => {
    const app = await buildPortal(t, db)
    const client = new PortalClient(app)
    await client.get('/login')
    const res = await client.post('/login', { account: `100@${D}`, password: PASSWORD }, { csrf: null })
    t.equal(res.statusCode, 403)
    t.match(res.body, /This form has expired/)
    t.equal((await client.get('/followme')).statusCode, 303)
    const forged = await client.post('/login', { account: `100@${D}`, password: PASSWORD }, { csrf: 'forged-token' })
    t.equal(forged.statusCode, 403)
  })

  t.test('attempts are limited per account, even with the right password, and per address', async (t) => {
    const app = await buildPortal(t, db, { loginLimits: { perAccount: 3, perAddress: 6 } })
    for (let i = 0; i < 3; i++) t.equal((await new PortalClient(app).login(`100@${D}`, 'guess', '192.0.2.1')).statusCode, 401)
    const locked = await new PortalClient(app).login(`100@${D}`, PASSWORD, '192.0.2.2')
    t.equal(locked.statusCode, 429, 'the account is locked from any address')
    t.match(locked.body, /Too many login attempts for this account \(3 in 15 minutes\)\. Please wait [0-9]+ minutes? and try again\./)
    t.match(locked.body, /name="_csrf"/, 'the login form is still there')
    t.equal((await new PortalClient(app).login(`100@${OTHER}`, PASSWORD, '192.0.2.2')).statusCode, 303, 'other accounts are not locked')
    // The address: 3 + 1 already from 192.0.2.1/2; six from one address in all.
    for (let i = 0; i < 6; i++) await new PortalClient(app).login(`10${i}@${D}`, 'guess', '198.51.100.7')
    const byAddress = await new PortalClient(app).login(`101@${D}`, PASSWORD, '198.51.100.7')
    t.equal(byAddress.statusCode, 429)
    t.match(byAddress.body, /Too many login attempts from your address/)
  })

  t.test('logout ends the session; so do a password reset, a disabled extension and a tampered cookie', async (t) => {
    const app = await buildPortal(t, db)
    const client = new PortalClient(app)
    await client.login()
    t.equal((await client.get('/followme')).statusCode, 200)
    const out = await client.post('/logout', {})
    t.equal(out.statusCode, 303)
    t.equal(out.headers.location, '/login?bye=1')
    t.equal((await client.get('/followme')).statusCode, 303)
    t.match((await client.get('/login?bye=1')).body, /You are logged out\./)

    await client.login()
    await db.updateTable('portal_credentials').set({ password_hash: await hashPassword('new one', 10), set_at: new Date(Date.now() + 1000) }).where('extension_id', '=', ids.alice).execute()
    t.equal((await client.get('/followme')).statusCode, 303, 'a reset password ends older sessions')

    const bob = new PortalClient(app)
    t.equal((await bob.login(`101@${D}`)).statusCode, 303)
    await db.updateTable('extensions').set({ enabled: false }).where('id', '=', ids.bob).execute()
    t.equal((await bob.get('/followme')).statusCode, 303, 'a disabled extension is logged out')

    const other = new PortalClient(app)
    await other.login(`100@${OTHER}`)
    other.setCookie('portal_session', 'AAAA' + other.cookieHeader().slice(20, 60))
    t.equal((await other.get('/followme')).statusCode, 303, 'a cookie that does not decrypt is no session')
  })

  t.test('passwords never reach the log, at any level', async (t) => {
    const lines: string[] = []
    const stream = new PassThrough()
    stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()))
    const app = await buildPortal(t, db, {}, stream)
    await new PortalClient(app).login(`100@${D}`, 'a-wrong-guess-42')
    const client = new PortalClient(app)
    await client.login()
    await client.get('/followme')
    const log = lines.join('')
    t.match(log, /portal login refused/)
    t.match(log, /"msg":"portal login"/)
    t.notMatch(log, /a-wrong-guess-42/)
    t.notMatch(log, new RegExp(PASSWORD))
    t.notMatch(log, /scrypt\$/)
  })

  t.test('an idle session expires', async (t) => {
    const app = await buildPortal(t, db, { sessionIdleS: 1 })
    const client = new PortalClient(app)
    await client.login()
    t.equal((await client.get('/followme')).statusCode, 200)
    await sleep(2200)
    const res = await client.get('/followme')
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, '/login?expired=1')
  })
})
