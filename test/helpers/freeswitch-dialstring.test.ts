import t from 'tap'
import { DialStringUnsupportedError, parseDialString } from './freeswitch-dialstring.js'
import type { DialLeg, ParsedDialString } from './freeswitch-dialstring.js'

/**
 * The oracle against the facts file's "Escaping" table (verified with
 * FreeSWITCH's own splitters) and the dial strings measured on a real
 * FreeSWITCH 1.10.12. Where a row has no endpoint, TARGET is appended.
 */
const TARGET = 'sofia/internal/1000@example.com'

/** The only leg of a one-branch, one-group, one-leg string. */
function onlyLeg(parsed: ParsedDialString): DialLeg {
  const [branch] = parsed.branches
  const [group] = branch?.groups ?? []
  const [leg] = group ?? []
  if (parsed.branches.length !== 1 || branch?.groups.length !== 1 || group?.length !== 1 || leg === undefined) {
    throw new Error(`expected exactly one leg, got ${JSON.stringify(parsed)}`)
  }
  return leg
}

function legOf(dial: string): DialLeg {
  return onlyLeg(parseDialString(dial))
}

t.test('escaping table', async (t) => {
  t.test("{x='a,b'} and {x=a\\,b}: x = a,b", async (t) => {
    for (const dial of [`{x='a,b'}${TARGET}`, `{x=a\\,b}${TARGET}`]) {
      const parsed = parseDialString(dial)
      t.strictSame(parsed.globalVars, { x: 'a,b' }, dial)
      t.strictSame(onlyLeg(parsed), { vars: { x: 'a,b' }, target: TARGET }, dial)
    }
  })

  t.test('{^^:x=a,b:y=c}: x = a,b and y = c', async (t) => {
    t.strictSame(legOf(`{^^:x=a,b:y=c}${TARGET}`), { vars: { x: 'a,b', y: 'c' }, target: TARGET })
  })

  t.test('[v=p\\,q] and [^^;v=p,q;w=r]: v = p,q (and w = r)', async (t) => {
    t.strictSame(legOf(`[v=p\\,q]${TARGET}`), { vars: { v: 'p,q' }, target: TARGET })
    t.strictSame(legOf(`[^^;v=p,q;w=r]${TARGET}`), { vars: { v: 'p,q', w: 'r' }, target: TARGET })
  })

  t.test("[v='p,q'] is broken: v = p and q is dropped (the | split strips the quotes first)", async (t) => {
    t.strictSame(legOf(`[v='p,q']${TARGET}`), { vars: { v: 'p' }, target: TARGET })
  })

  t.test("[v=a\\|b] and [v='a|b']: v = a|b", async (t) => {
    for (const dial of [`[v=a\\|b]${TARGET}`, `[v='a|b']${TARGET}`]) {
      t.strictSame(legOf(dial), { vars: { v: 'a|b' }, target: TARGET }, dial)
    }
  })

  t.test('[v=a|b] splits the whole dial string into two groups', async (t) => {
    const [branch] = parseDialString(`[v=a|b]${TARGET}`).branches
    t.equal(branch?.groups.length, 2)
    // The first group's `[` block never closes: FreeSWITCH logs "Parse Error!" there.
    t.match(branch?.groups[0], [{ target: '[v=a', error: /Parse Error/ }])
    t.strictSame(branch?.groups[1], [{ vars: {}, target: `b]${TARGET}` }])
  })

  t.test('{v=a|b}: OK, {} is parsed before the | split', async (t) => {
    t.strictSame(legOf(`{v=a|b}${TARGET}`), { vars: { v: 'a|b' }, target: TARGET })
  })
})

t.test('more escaping rules', async (t) => {
  t.test('paired apostrophes are silently removed', async (t) => {
    t.equal(legOf(`{name=Bob's Pub's}${TARGET}`).vars.name, 'Bobs Pubs')
    t.equal(legOf(`[name=Bob's Pub's]${TARGET}`).vars.name, 'Bobs Pubs')
  })

  t.test('\\s, \\n, \\t and \\\\ are unescaped', async (t) => {
    t.strictSame(legOf(`{a=x\\sy,b=x\\ny,c=x\\ty,d=x\\\\y}${TARGET}`).vars, { a: 'x y', b: 'x\ny', c: 'x\ty', d: 'x\\y' })
    t.strictSame(legOf(`[a=x\\sy,b=x\\ny,c=x\\ty,d=x\\\\y]${TARGET}`).vars, { a: 'x y', b: 'x\ny', c: 'x\ty', d: 'x\\y' })
  })

  t.test('unescaping runs once per split, so \\\\n in {} ends up a newline (checked against libfreeswitch)', async (t) => {
    t.equal(legOf(`{a=x\\\\ny}${TARGET}`).vars.a, 'x\ny')
  })

  t.test('a } or ] inside a value ends the block early (brackets are not quote-aware)', async (t) => {
    const braces = parseDialString(`{a=x}y,b=2}${TARGET}`).branches[0]
    t.strictSame(braces?.vars, { a: 'x' })
    t.strictSame(braces?.groups, [[{ vars: { a: 'x' }, target: 'y' }, { vars: { a: 'x' }, target: `b=2}${TARGET}` }]])
    t.strictSame(legOf(`{a='x}y'}${TARGET}`), { vars: { a: "'x" }, target: `y'}${TARGET}` }, 'quotes do not protect a }')
    t.strictSame(legOf(`[a=x]y]${TARGET}`), { vars: { a: 'x' }, target: `y]${TARGET}` })
  })

  t.test('an unescaped comma in a {} value drops the tail', async (t) => {
    t.strictSame(legOf(`{cid=Bob, Jr.}${TARGET}`).vars, { cid: 'Bob' })
  })
})

t.test('dial strings measured on FreeSWITCH', async (t) => {
  t.test('enterprise: <> shared, each branch its own {}', async (t) => {
    const parsed = parseDialString('<ignore_early_media=true>{originate_timeout=6}A:_:{originate_delay_start=4000,originate_timeout=6}B')
    const first = { ignore_early_media: 'true', originate_timeout: '6' }
    const second = { ignore_early_media: 'true', originate_delay_start: '4000', originate_timeout: '6' }
    t.strictSame(parsed, {
      enterprise: true,
      globalVars: { ignore_early_media: 'true' },
      branches: [
        { vars: first, groups: [[{ vars: first, target: 'A' }]] },
        { vars: second, groups: [[{ vars: second, target: 'B' }]] },
      ],
    })
  })

  t.test('{}[]A,[]B: one group of two legs', async (t) => {
    const parsed = parseDialString('{ignore_early_media=true}[leg_timeout=6]A,[leg_delay_start=4,leg_timeout=6]B')
    t.strictSame(parsed, {
      enterprise: false,
      globalVars: { ignore_early_media: 'true' },
      branches: [
        {
          vars: { ignore_early_media: 'true' },
          groups: [
            [
              { vars: { leg_timeout: '6', ignore_early_media: 'true' }, target: 'A' },
              { vars: { leg_delay_start: '4', leg_timeout: '6', ignore_early_media: 'true' }, target: 'B' },
            ],
          ],
        },
      ],
    })
  })

  t.test('[]A|[]B|[]C: three groups', async (t) => {
    const groups = parseDialString('[leg_timeout=4]A|[leg_timeout=4]B|[leg_timeout=4]C').branches[0]?.groups
    t.strictSame(groups, ['A', 'B', 'C'].map((target) => [{ vars: { leg_timeout: '4' }, target }]))
  })

  t.test('a comma inside a {} value splits it unless ^^; is used', async (t) => {
    t.strictSame(legOf('{group_confirm_file=tone_stream://%(200,0,800)}sofia/internal/100@x'), {
      vars: { group_confirm_file: 'tone_stream://%(200' },
      target: 'sofia/internal/100@x',
    })
    t.strictSame(legOf('{^^;group_confirm_file=tone_stream://%(200,0,800);leg_timeout=5}sofia/internal/100@x'), {
      vars: { group_confirm_file: 'tone_stream://%(200,0,800)', leg_timeout: '5' },
      target: 'sofia/internal/100@x',
    })
  })
})

t.test('precedence (switch_ivr_originate.c:3105-3145, checked on FreeSWITCH 1.10.12)', async (t) => {
  t.test('{} wins over [] by default', async (t) => {
    t.equal(legOf('{x=global}[x=local]A').vars.x, 'global')
  })

  t.test('[] wins over {} with local_var_clobber', async (t) => {
    t.equal(legOf('{local_var_clobber=true,x=global}[x=local]A').vars.x, 'local')
    t.equal(legOf('{local_var_clobber=1,x=global}[x=local]A').vars.x, 'local')
    t.strictSame(legOf('[x=local]{x=global}A'), { vars: { x: 'local' }, target: '{x=global}A' }, 'a {} after [] is endpoint text')
    t.equal(legOf('{x=global}[local_var_clobber=true,x=local]A').vars.x, 'global', 'only the {} set is consulted')
  })

  t.test("enterprise: a branch's {} wins over <>, and ignore_early_media=true is always added", async (t) => {
    const parsed = parseDialString('<x=shared,ignore_early_media=false>{x=own}A:_:B')
    t.strictSame(parsed.globalVars, { x: 'shared', ignore_early_media: 'false' })
    t.strictSame(parsed.branches[0]?.vars, { x: 'own', ignore_early_media: 'true' })
    t.strictSame(parsed.branches[1]?.vars, { x: 'shared', ignore_early_media: 'true' })
  })

  t.test('a later value replaces an earlier one; names compare case-insensitively', async (t) => {
    t.strictSame(legOf('{X=1,x=2}A').vars, { x: '2' })
    t.strictSame(legOf('{x=1}{x=2}A').vars, { x: '2' })
  })

  t.test("x= and x='' are ignored; a value that cleans up to empty (x=\\s) deletes", async (t) => {
    t.strictSame(legOf('{x=1,x=}A').vars, { x: '1' })
    t.strictSame(legOf("{x=1,x=''}A").vars, { x: '1' }, "the ',' split strips the quotes, leaving x=")
    t.strictSame(legOf('{x=1,x=\\s}A').vars, {}, "x=' ' after the ',' split; ' ' is trimmed to '' by the '=' split")
  })
})

t.test('other shapes', async (t) => {
  t.test('targets are kept whole, ${...} is not expanded', async (t) => {
    t.strictSame(legOf('{leg_timeout=5}${sofia_contact(*/100@pbx.example.com)}'), {
      vars: { leg_timeout: '5' },
      target: '${sofia_contact(*/100@pbx.example.com)}',
    })
  })

  t.test(':_: is found anywhere, even inside a value', async (t) => {
    const parsed = parseDialString('{x=a:_:b}A')
    t.equal(parsed.enterprise, true)
    t.equal(parsed.branches.length, 2)
  })

  t.test('a branch fails before dialing', async (t) => {
    t.match(parseDialString('{x=1').branches, [{ groups: [], error: /Parse Error/ }])
    t.match(parseDialString('{x=1}  ').branches, [{ vars: { x: '1' }, groups: [], error: /No origination URL/ }])
    t.match(parseDialString('<x=1:_:B'), { enterprise: true, branches: [], error: /Parse Error/ })
  })

  t.test('what is not modelled throws', async (t) => {
    t.throws(() => parseDialString('{a[1]=x}A'), DialStringUnsupportedError)
    t.throws(() => parseDialString('{a=ARRAY::x|:y}A'), DialStringUnsupportedError)
  })
})
