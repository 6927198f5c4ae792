import t from 'tap'
import { normalizeNumber } from '../../src/portal/form.js'
import { hashPassword, randomPassword, verifyPassword } from '../../src/portal/password.js'

t.test('portal passwords: salted scrypt, verified only by the right password', async (t) => {
  const a = await hashPassword('correct horse')
  const b = await hashPassword('correct horse')
  t.match(a, /^scrypt\$15\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/)
  t.not(a, b, 'a fresh salt each time')
  t.notMatch(a, /correct horse/)
  t.equal(await verifyPassword('correct horse', a), true)
  t.equal(await verifyPassword('correct hors', a), false)
  t.equal(await verifyPassword('correct horse', undefined), false, 'no stored hash: never a match')
  t.equal(await verifyPassword('correct horse', 'correct horse'), false, 'a plain value in the column is no hash')
  t.equal(await verifyPassword('x', 'scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), false, 'absurd costs are not run')
  t.match(randomPassword(), /^[A-Za-z0-9_-]{16}$/)
})

t.test('phone numbers as people type them', async (t) => {
  t.equal(normalizeNumber(' +1 (555) 555-0199 # '), '+15555550199')
  t.equal(normalizeNumber('0049 30.1234/56'), '0049301234' + '56')
  t.equal(normalizeNumber('555-CALL'), undefined)
  t.equal(normalizeNumber('++1555'), undefined)
  t.equal(normalizeNumber(''), undefined)
  t.equal(normalizeNumber('1'.repeat(21)), undefined)
})
