import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import pg from 'pg'
import t, { type Test } from 'tap'
import { verifyPassword } from '../../src/portal/password.js'
import { embeddedTestUrl } from '../helpers/databases.js'

// npm run migrate, seed and explain as operators run them: each CLI in a
// process of its own (src/cli/*.ts run as they load, so they are tested by
// running them; tap's loader in process.execArgv compiles them and records
// their coverage), on a schema of their own in the test run's PostgreSQL.

t.setTimeout(300_000)

interface Outcome {
  code: number | null
  stdout: string
  stderr: string
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Outcome> {
  const child = spawn(process.execPath, [...process.execArgv, `src/cli/${script}.ts`, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

async function freshSchema(t: Test): Promise<{ env: Record<string, string>; psql: pg.Client }> {
  const url = embeddedTestUrl()
  const schema = `cli_${process.pid}_${randomBytes(3).toString('hex')}`
  const psql = new pg.Client({ connectionString: url })
  await psql.connect()
  await psql.query(`create schema ${schema}`)
  await psql.query(`set search_path = ${schema}`)
  t.teardown(async () => {
    await psql.query(`drop schema ${schema} cascade`)
    await psql.end()
  })
  // What an operator's DATABASE_URL can say too: which schema to use.
  return { env: { DATABASE_URL: `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}` }, psql }
}

t.test('migrate applies every migration once, then says the schema is up to date', async (t) => {
  const { env, psql } = await freshSchema(t)
  const names = (await readdir('migrations')).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort()
  const first = await run('migrate', [], env)
  t.equal(first.code, 0, first.stderr)
  t.strictSame(first.stdout.trim().split('\n'), names.map((n) => `migrate: applied ${n}`))
  const again = await run('migrate', [], env)
  t.equal(again.code, 0)
  t.equal(again.stdout, 'migrate: the schema is up to date\n')
  const { rows } = await psql.query<{ name: string }>('select name from kysely_migration order by name')
  t.strictSame(rows.map((r) => r.name), names, 'in the schema DATABASE_URL names')
})

t.test("seed --demo loads the README's tenant; explain prints its worked example", async (t) => {
  const { env, psql } = await freshSchema(t)
  const seeded = await run('seed', ['--demo', '--domain', 'PBX.example.com'], env)
  t.equal(seeded.code, 0, seeded.stderr)
  const printed = /100@pbx\.example\.com +Alice Desk +SIP password (\S+) +voicemail PIN (\d{4})/.exec(seeded.stdout)
  t.ok(printed, 'the credentials are printed once')
  const { rows } = await psql.query<{ sip_password: string; voicemail_pin: string }>("select sip_password, voicemail_pin from extensions where extension = '100'")
  t.strictSame(rows, [{ sip_password: printed?.[1], voicemail_pin: printed?.[2] }], 'and they are the stored ones')

  // README, "A worked example: the demo tenant", written out.
  const explained = await run('explain', ['100@pbx.example.com'], env)
  t.equal(explained.code, 0, explained.stderr)
  t.strictSame(explained.stdout.split('\n').slice(0, 8), [
    'Call to 100@pbx.example.com from outside: Follow Me, sequential',
    '  ring       0s → 15s      extension 100 (every registration: 0 phones now)',
    "             caller ID: the caller's name and number",
    '  ring       15s → 30s     extension 101 (every registration: 0 phones now)',
    "             caller ID: the caller's name and number",
    '  ring       32s → 52s     +15555550100 via carrier  [must press 1]',
    "             caller ID: the caller's own name and number",
    '  no answer  52s           voicemail box 100',
  ])
  t.match(explained.stdout, /\n {2}voicemail default pbx\.example\.com 100\n$/)

  // npm run status: nobody registered yet in a fresh tenant.
  const status = await run('status', ['pbx.example.com'], env)
  t.equal(status.code, 0, status.stderr)
  t.match(status.stdout, /^pbx\.example\.com: \d+ extensions, 0 online\n/)
  t.match(status.stdout, /\n100 +offline +0 +- *\n/, '100: offline, no phones, never changed')
  const flaps = await run('status', ['pbx.example.com', '--flaps'], env)
  t.equal(flaps.stdout, 'pbx.example.com: no registration transitions in the last 24 hours\n')
  // npm run portal-password: a new random password, printed once; only its hash is stored.
  const reset = await run('portal-password', ['100@PBX.example.com'], env)
  t.equal(reset.code, 0, reset.stderr)
  const portal = /shown once\):\n {2}(\S+)\n$/.exec(reset.stdout)?.[1]
  t.ok(portal !== undefined && portal.length >= 16, 'a password of 16 characters or more')
  const stored = await psql.query<{ password_hash: string }>("select c.password_hash from portal_credentials c join extensions e on e.id = c.extension_id where e.extension = '100'")
  t.notOk(stored.rows[0]?.password_hash.includes(portal ?? '-'), 'not stored as it is')
  t.ok(await verifyPassword(portal ?? '', stored.rows[0]?.password_hash), 'the stored hash is of the printed password')
  const nobody = await run('portal-password', ['199@pbx.example.com'], env)
  t.equal(nobody.code, 1)
  t.match(nobody.stderr, /no extension 199 in domain pbx\.example\.com/)
  t.equal((await run('portal-password', ['not-an-address'], env)).code, 1, 'a bad argument: exit 1')
  const unknown = await run('status', ['nowhere.example.com'], env)
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /no domain nowhere\.example\.com/)

  const again = await run('seed', ['--demo', '--domain', 'pbx.example.com'], env)
  t.equal(again.code, 1, 'a second demo tenant of the same name is refused')
  t.match(again.stderr, /^seed: domain pbx\.example\.com already exists/)
})

// Each run compiles the CLI afresh (seconds on a loaded machine): few runs.
t.test('bad arguments and an unreachable database: exit 1 with one line saying why', async (t) => {
  const { env } = await freshSchema(t)
  const usage = await run('explain', ['100'], env)
  t.strictSame([usage.code, usage.stderr], [1, 'explain: usage: npm run explain -- <extension>@<domain> [--from <extension>]\n'])
  const down = await run('migrate', [], { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' })
  t.equal(down.code, 1)
  t.match(down.stderr, /^migrate: .*ECONNREFUSED/)
  t.equal(down.stderr.trim().split('\n').length, 1, 'one line')
})
