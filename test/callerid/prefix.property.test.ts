import fc from 'fast-check'
import t from 'tap'
import { inboundCallerIdNameData, renderBridge, UnsafeDialStringError, type DialStringSettings } from '../../src/freeswitch/dial-string.js'
import type { PlannedLeg } from '../../src/followme/plan.js'
import { eachDatabase } from '../helpers/databases.js'
import { sanitizeNumber, shownOnPhone } from '../helpers/freeswitch-callerid.js'
import { parseDialString } from '../helpers/freeswitch-dialstring.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'

// Properties over inbound prefixes and caller names (README "Caller ID and
// directory"): what the phone shows, that no name adds a leg, and that the
// schema and the renderer accept the same prefixes.

const settings: DialStringSettings = { confirmTimeoutS: 20, confirmContext: 'followme_confirm', confirmExtension: 'followme_confirm' }

const prefixChar = fc.constantFrom(...'ABCXYZabcxyz0189 #*+._-'.split(''))
const validPrefix = fc
  .tuple(prefixChar.filter((c) => c !== ' '), fc.array(prefixChar, { maxLength: 15 }))
  .map(([first, rest]) => first + rest.join(''))
const nasty = fc.constantFrom(',', '|', '[', ']', '{', '}', "'", '"', '\\', ':_:', '^^', '${x}', ':', '/', '@', '=', '<', '>', '&', '\n', 'é', '山')
const anyPrefix = fc.oneof(validPrefix, fc.string({ unit: 'binary', maxLength: 20 }), fc.array(fc.oneof(nasty, prefixChar), { maxLength: 8 }).map((p) => p.join('')))
const callerName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.oneof(nasty, fc.constantFrom('Bob', ' ', 'Jr.', 'Zoë', 'sofia/gateway/pstn/1900')), { maxLength: 10 }).map((p) => p.join('')),
)
const SAFE_PREFIX = /^[A-Za-z0-9#*+._-][A-Za-z0-9 #*+._-]{0,15}$/

t.test('a valid prefix is shown before any name without : / @, exactly', async () => {
  fc.assert(
    fc.property(validPrefix, callerName, (prefix, name) => {
      const actions = [['set', inboundCallerIdNameData(prefix)] as const]
      const cleanName = name.split('${').join('%{')
      if (!/[/:@]/.test(cleanName)) return shownOnPhone(actions, name) === prefix + cleanName
      // FreeSWITCH cuts a name holding / : @ (prefix included), as it would without one.
      return shownOnPhone(actions, name) === sanitizeNumber(prefix + cleanName)
    }),
  )
})

t.test('the set data is the prefix and the variable, nothing else; anything else is refused', async () => {
  fc.assert(
    fc.property(anyPrefix, (prefix) => {
      if (!SAFE_PREFIX.test(prefix)) {
        let refused = false
        try {
          inboundCallerIdNameData(prefix)
        } catch (err) {
          refused = err instanceof UnsafeDialStringError
        }
        return refused
      }
      const data = inboundCallerIdNameData(prefix)
      return data === `effective_caller_id_name=${prefix}\${caller_id_name}` && !/[:/@,{}|'"\\^=]/.test(prefix)
    }),
  )
})

t.test('a caller name on the mobile leg adds no leg, no branch and no number', async () => {
  fc.assert(
    fc.property(callerName, (name) => {
      const legs: PlannedLeg[] = [
        { label: 'desk', target: { kind: 'registrations', extension: '100', domain: 'pbx.example.com' }, startS: 0, ringS: 20, confirm: false },
        { label: 'mobile', target: { kind: 'gateway', gateway: 'carrier', number: '+12125550123', callerId: { name, number: undefined } }, startS: 0, ringS: 20, confirm: false },
      ]
      const parsed = parseDialString(renderBridge(legs, settings).dial)
      const parsedLegs = parsed.branches.flatMap((b) => b.groups.flat())
      return (
        parsed.branches.length === 2 &&
        parsedLegs.length === 2 &&
        parsedLegs[0]?.target === '${sofia_contact(*/100@pbx.example.com)}' &&
        parsedLegs[1]?.target === 'sofia/gateway/carrier/+12125550123' &&
        parsedLegs.every((l) => l.error === undefined && !('origination_caller_id_number' in l.vars)) &&
        !(parsedLegs[1]?.vars.origination_caller_id_name ?? '').includes('${')
      )
    }),
  )
})

eachDatabase(t, async (t, database) => {
  const { db } = database
  t.test('the schema accepts exactly the prefixes the renderer accepts', async () => {
    const d = await insertDomain(db, 'pbx.example.com')
    const e = await insertExtension(db, d, '100')
    await fc.assert(
      fc.asyncProperty(anyPrefix, async (prefix) => {
        // Postgres text cannot hold NUL: such a prefix never reaches a row.
        fc.pre(!prefix.includes('\u0000'))
        let stored = true
        try {
          await db.updateTable('extensions').set({ inbound_caller_id_prefix: prefix }).where('id', '=', e).execute()
        } catch {
          stored = false
        }
        return stored === SAFE_PREFIX.test(prefix)
      }),
      { numRuns: 60 },
    )
  })
})
