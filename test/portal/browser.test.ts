import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Page } from 'playwright-core'
import t from 'tap'
import { portal } from '../../src/portal/plugin.js'
import { buildServer } from '../../src/server-options.js'
import { buildApp } from '../helpers/app.js'
import { callRequest, dataOf, dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { D, PASSWORD, seedPortalTenant } from '../helpers/portal.js'
import { parseXml } from '../helpers/xml.js'

// The portal in a real headless Chromium (Debian's package, driven by
// playwright-core; never a downloaded browser), against the portal on a
// real socket and the dialplan route through inject. Screenshots of each
// page go to .tap/portal-screenshots/<database>/ for a person to look at.

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = join(process.cwd(), '.tap', 'portal-screenshots')

// Chromium, twice (one per database), on a shared 2-core machine.
t.setTimeout(300_000)

if (!existsSync(CHROMIUM)) {
  t.comment(`browser tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`)
  t.end()
} else {
  eachDatabase(t, async (t, database) => {
    const { db } = database
    const shots = join(SHOTS, database.name)
    mkdirSync(shots, { recursive: true })

    const server = buildServer({ logLevel: 'silent', tls: undefined })
    await server.register(portal, { db, sessionKey: randomBytes(32), secure: false })
    await server.listen({ host: '127.0.0.1', port: 0 })
    t.teardown(() => server.close())
    const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`
    const app = await buildApp(t, database)
    const dial = async (body: string) => {
      const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
      return dialplanOf(parseXml(res.body))
    }

    const profile = mkdtempSync(join(tmpdir(), 'portal-chromium-'))
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1000, height: 900 },
    })
    t.teardown(async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    })
    const page = context.pages()[0] ?? (await context.newPage())
    // Read in the page (the test's TypeScript has no DOM types: the code is sent as text).
    const bars = (p: Page) =>
      p.evaluate<Array<{ start: number; end: number; confirm: boolean; x: number; width: number }>>(`
        [...document.querySelectorAll('svg.timeline g.leg')].map((g) => {
          const rect = g.querySelector('rect')
          return { start: Number(g.getAttribute('data-start')), end: Number(g.getAttribute('data-end')), confirm: g.classList.contains('confirm'), x: rect.x.baseVal.value, width: rect.width.baseVal.value }
        })`)

    // One test: eachDatabase empties the tables before each, and the steps build on each other.
    t.test('log in, add a confirmed mobile, reorder, save: the next call rings it; *21 shows after a reload', async (t) => {
      const ids = await seedPortalTenant(db)
      await page.goto(`${base}/login`)
      await page.screenshot({ path: join(shots, '1-login.png'), fullPage: true })
      await page.getByLabel('Extension and domain').fill(`100@${D}`)
      await page.getByLabel('Portal password').fill('not the password')
      await page.getByRole('button', { name: 'Log in' }).click()
      t.match(await page.getByRole('alert').textContent(), /Wrong extension, domain or password/)
      await page.screenshot({ path: join(shots, '2-login-refused.png'), fullPage: true })
      await page.getByLabel('Portal password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Log in' }).click()
      await page.waitForURL(`${base}/followme`)
      t.equal(await page.isChecked('#enabled'), true)
      t.strictSame((await bars(page)).map((b) => [b.start, b.end, b.confirm]), [[0, 15, false], [15, 30, false], [32, 52, true]])
      await page.screenshot({ path: join(shots, '3-followme.png'), fullPage: true })

      // Add a row (no JavaScript needed: the server redraws the form), then move it above 101's... 
      await page.getByRole('button', { name: '+ Add a destination' }).click()
      await page.waitForSelector('#d3_target')
      t.equal(await page.inputValue('#d3_target'), '100', 'the new row goes before the voicemail, which stays last')
      t.equal(await page.isChecked('#d2_confirm'), true, 'a new phone number asks for press 1 by default')
      // A number the extension may not call is refused in plain words while typing, before saving.
      await page.fill('#d2_target', '+44 20 7946 0000')
      await page.locator('#timeline').getByText(/Destination 3, number: your extension is not allowed to call \+442079460000/).first().waitFor()
      await page.screenshot({ path: join(shots, '4-forbidden-number-preview.png'), fullPage: true })
      await page.fill('#d2_target', '+1 (555) 555-0123')
      await page.fill('#d2_ring_for_s', '20')
      // ...then reorder: above the first mobile.
      await page.getByRole('button', { name: 'Move destination 3 up' }).click()
      await page.waitForSelector('#d1_target[value="+1 (555) 555-0123"]')
      await page.getByRole('button', { name: 'Save', exact: true }).last().click()
      // The page after the save says so (its script then drops ?saved=1 from the address).
      await page.getByText('Saved. Your next call follows these settings.').waitFor()
      await page.waitForURL(`${base}/followme`)
      await page.screenshot({ path: join(shots, '5-saved.png'), fullPage: true })

      const rows = await db.selectFrom('follow_me_destinations').select(['position', 'kind', 'target', 'confirm']).where('extension_id', '=', ids.alice).orderBy('position').execute()
      t.strictSame(rows, [
        { position: 1, kind: 'extension', target: '101', confirm: false },
        { position: 2, kind: 'external', target: '+15555550123', confirm: true },
        { position: 3, kind: 'external', target: '+15555550100', confirm: true },
        { position: 4, kind: 'voicemail', target: '100', confirm: false },
      ])
      // One bar per leg, where the planner puts it: desk 0-15, 101 15-30, new mobile 30-50, old mobile 52-72.
      const shown = await bars(page)
      t.strictSame(shown.map((b) => [b.start, b.end, b.confirm]), [[0, 15, false], [15, 30, false], [30, 50, true], [52, 72, true]])
      const scale = ((shown[3]?.x ?? 0) - (shown[0]?.x ?? 0)) / 52
      for (const b of shown) {
        t.ok(Math.abs(b.x - ((shown[0]?.x ?? 0) + scale * b.start)) < 0.5, `bar ${b.start}s starts at its offset`)
        t.ok(Math.abs(b.width - scale * (b.end - b.start)) < 0.5, `bar ${b.start}s is as long as it rings`)
      }
      t.match(await page.locator('svg.timeline .no-answer').textContent(), /at 72s: voicemail box 100/)

      const bridge = dataOf(await dial(callRequest({ context: D, from: '102', to: '100' })), 'bridge') ?? ''
      const legs = bridge.split(':_:')
      t.equal(legs.length, 4)
      t.match(legs[2], /^\{originate_delay_start=30000,originate_timeout=40,leg_timeout=20,.*group_confirm_key=exec.*\}sofia\/gateway\/carrier\/\+15555550123$/)
      t.match(legs[3], /^\{originate_delay_start=52000,.*\}sofia\/gateway\/carrier\/\+15555550100$/)

      // *21 through the dialplan route, then a reload shows it.
      const uuid = 'b1c2d3e4-0000-4000-8000-000000000021'
      const toggle = rewrite(fixture('dialplan-invite-feature-code.txt'), {
        'Unique-ID': uuid,
        'Caller-Unique-ID': uuid,
        'Hunt-Unique-ID': uuid,
        'Caller-Context': D,
        'Hunt-Context': D,
        variable_user_context: D,
        variable_domain_name: D,
        variable_user_name: '100',
      })
      const answer = await dial(toggle)
      t.ok(answer.actions.some(([app, data]) => app === 'playback' && /cancelled/.test(data ?? '')), 'the phone hears "cancelled"')
      await page.reload()
      t.equal(await page.isChecked('#enabled'), false)
      t.equal(await page.getByText('Saved. Your next call').count(), 0, 'a reload does not say "Saved" again')
      t.match(await page.locator('#timeline').textContent(), /Follow Me is off/)
      await page.screenshot({ path: join(shots, '6-after-star21.png'), fullPage: true })
      await page.setViewportSize({ width: 390, height: 844 })
      await page.screenshot({ path: join(shots, '7-phone.png'), fullPage: true })
      const wide = await page.evaluate<number>('document.documentElement.scrollWidth')
      t.ok(wide <= 390, `nothing wider than a phone's screen (${wide}px)`)
      // Keyboard: Tab reaches the switch from the page's top.
      await page.keyboard.press('Tab')
      const focusable = await page.evaluate<string | undefined>('document.activeElement?.tagName')
      t.ok(focusable !== undefined && focusable !== 'BODY', 'Tab moves focus into the page')
    })

    t.test('Call Forward: forward all to a mobile, then DND; each saved, seen after a reload, and what the next call does', async (t) => {
      await seedPortalTenant(db)
      // A new seed: the last test's session is void (its password was set anew).
      await context.clearCookies()
      await page.setViewportSize({ width: 1000, height: 900 })
      await page.goto(`${base}/login`)
      await page.getByLabel('Extension and domain').fill(`100@${D}`)
      await page.getByLabel('Portal password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Log in' }).click()
      await page.waitForURL(`${base}/followme`)
      // The save's own answer first: a failure then says what the server said, not only that a text never came.
      const saveForwards = async () => {
        const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${base}/forwards`)
        await page.getByRole('button', { name: 'Save Call Forward' }).click()
        const response = await answer
        await page.waitForLoadState()
        if (response.status() >= 500) t.comment(await page.locator('main').textContent())
        return response.status()
      }
      t.equal(await page.isChecked('#do_not_disturb'), false, 'no call_forwarding row: all off')
      t.equal(await page.isChecked('#forward_all_enabled'), false)

      // Both at once: the schema excludes it, the page says so in plain words and saves nothing.
      await page.getByLabel(/^Do not disturb/).check()
      await page.check('#forward_all_enabled')
      await page.selectOption('#forward_all_kind', 'external')
      await page.fill('#forward_all_target', '+1 (555) 555-0199')
      t.equal(await saveForwards(), 422, 'refused')
      t.match(await page.getByRole('alert').textContent(), /Forward all calls: it cannot be on together with Do not disturb/)
      await page.screenshot({ path: join(shots, '8-call-forward-refused.png'), fullPage: true })
      t.equal(await db.selectFrom('call_forwarding').select('extension_id').executeTakeFirst(), undefined, 'nothing saved')

      // Forward all to the mobile.
      await page.uncheck('#do_not_disturb')
      t.equal(await saveForwards(), 303, 'saved')
      await page.getByText('Call Forward saved. Your next call follows it.').waitFor()
      await page.reload()
      t.equal(await page.isChecked('#forward_all_enabled'), true)
      t.equal(await page.inputValue('#forward_all_target'), '+15555550199', 'normalized as saved')
      t.equal(await page.inputValue('#forward_all_kind'), 'external')
      await page.locator('#call-forward').screenshot({ path: join(shots, '9-call-forward-all.png') })
      const bridge = (await dial(callRequest({ context: D, from: '102', to: '100' }))).actions.find(([a]) => a === 'bridge')
      t.match(bridge?.[1], /^\{ignore_early_media=true,originate_timeout=30,[^}]*\}sofia\/gateway\/carrier\/\+15555550199$/, 'the next call goes to the mobile')

      // Then DND: forward all off (its number kept), callers hear busy.
      await page.uncheck('#forward_all_enabled')
      await page.check('#do_not_disturb')
      t.equal(await saveForwards(), 303, 'saved')
      await page.getByText('Call Forward saved. Your next call follows it.').waitFor()
      await page.reload()
      t.equal(await page.getByText('Call Forward saved.').count(), 0, 'a reload does not say "saved" again')
      t.equal(await page.isChecked('#do_not_disturb'), true)
      t.equal(await page.isChecked('#forward_all_enabled'), false)
      t.equal(await page.inputValue('#forward_all_target'), '+15555550199', 'the number is kept for *72')
      await page.locator('#call-forward').screenshot({ path: join(shots, '10-call-forward-dnd.png') })
      t.strictSame((await dial(callRequest({ context: D, from: '102', to: '100' }))).actions, [['hangup', 'USER_BUSY']])
      const audit = await db.selectFrom('call_forwarding_changes').select(['setting', 'new_enabled', 'source']).orderBy('id').execute()
      t.strictSame(audit, [
        { setting: 'forward_all', new_enabled: true, source: 'portal' },
        { setting: 'do_not_disturb', new_enabled: true, source: 'portal' },
        { setting: 'forward_all', new_enabled: false, source: 'portal' },
      ])
    })
  })
}
