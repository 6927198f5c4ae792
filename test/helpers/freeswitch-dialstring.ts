/**
 * Test oracle: splits a bridge/originate dial string exactly the way
 * FreeSWITCH 1.10.12 does. It is a line-by-line port of the C code, not a
 * grammar: every step names the function and `file:line` (tag v1.10.12) it
 * mirrors, and the C quirks are kept on purpose (quotes stripped by the `|`
 * split, commas inside `{}` splitting values, `]`/`}` ending a block inside a
 * value, unescaping done once per split, ...).
 *
 * To stay faithful the port works like the C code: on one mutable
 * NUL-terminated buffer (`CBuf`) that the splitters cut with NULs and clean
 * up in place, so the rare cases where C reads past a cut still behave the
 * same.
 *
 * Order and precedence of variables (what the C code does, checked line by line):
 * 1. Enterprise (`:_:` anywhere in the string, switch_ivr_originate.c:2141-2144):
 *    the leading `<...>` blocks are parsed once (switch_ivr_originate.c:1661-1672),
 *    then `ignore_early_media=true` is added on top (:1686, so it replaces a
 *    `<ignore_early_media=...>`), and every branch gets a copy of that set
 *    (:1712) into which its own `<...>` and `{...}` blocks are parsed
 *    (:2286-2311). A later value replaces an earlier one with the same name
 *    (names compare case-insensitively, switch_event.c:825-844, 1091-1093).
 *    So a branch's `{}` vars win over the `<>` vars.
 * 2. Each leg's `[...]` vars go into their own set (switch_ivr_originate.c:2861-2886).
 *    When the leg's channel is made, both sets are written to it
 *    (:3117-3145) in this order:
 *      - by default: `[]` first, then the branch set (`<>` + `{}`), so
 *        **`{}`/`<>` win over `[]`**;
 *      - if the branch set has `local_var_clobber` set to a true value (switch_true),
 *        the branch set is written first and `[]` last, so **`[]` wins**.
 *    Beware the comment at :2995 ("[] taking precedence"): it is true only
 *    of the merged event handed to the endpoint (:2995-3005) and of the
 *    caller-id fields read from it (:3007-3030), not of the channel
 *    variables. Seen on FreeSWITCH 1.10.12 (bridge from the XML dialplan):
 *    `{x=global}[x=local]` leaves x=global on the leg; with
 *    `{local_var_clobber=true,...}` it leaves x=local.
 *
 * Not modelled (the input is treated as the text the originate code gets):
 * - `${...}` / `$${...}` expansion. FreeSWITCH expands the application data
 *   before `bridge` parses it, so `${sofia_contact(...)}` turns into a
 *   comma-joined contact list *before* the split; here it is left as text.
 * - Variables taken from the calling channel or added at run time (exported
 *   vars, `origination_*` from effective caller id, the group_confirm_* /
 *   ignore_early_media / ... copied from the A leg at :2373-2424,
 *   `originate_early_media`, `ent_originate_aleg_uuid`, ...).
 * - The `${` check when a variable is written to the channel
 *   (switch_channel.c:1488-1514, skipped with origination_nested_vars).
 * - Dial handles (`switch_dial_handle_t`) and `SOF_NOBLOCK`.
 * - Event array headers (a name containing `[`, a value starting with
 *   `ARRAY::`) and more than 128 enterprise branches: these throw
 *   DialStringUnsupportedError rather than give a wrong answer.
 * - Reads past the end of the C string (undefined behaviour in C) read NUL.
 * - Work is done on UTF-8 bytes like C; a `^^` followed by a multi-byte
 *   character cuts it in two, and the stray bytes come out as U+FFFD.
 *
 * Checked against libfreeswitch 1.10.12 itself: on about 200,000 random and
 * dial-string-like inputs a C harness calling the real switch_separate_string,
 * switch_event_create_brackets and switch_find_end_paren (with the originate
 * glue copied from the C) gave the same groups, legs, targets and variables.
 */

/** One leg: the variables its channel ends up with, and the endpoint text. */
export interface DialLeg {
  vars: Record<string, string>
  target: string
  /**
   * Set when FreeSWITCH logs "Parse Error!" on this leg
   * (switch_ivr_originate.c:2876-2886): the whole originate (this branch)
   * fails when it reaches the leg. `target` then holds the unparsed text.
   */
  error?: string
}

export interface DialBranch {
  vars: Record<string, string>
  /** `|`-separated groups, tried one after the other; each holds `,`-separated legs rung together. */
  groups: DialLeg[][]
  /** Set when the branch fails before any leg is dialed (bad `<>`/`{}` block, nothing to dial); `groups` is then empty. */
  error?: string
}

export interface ParsedDialString {
  enterprise: boolean
  globalVars: Record<string, string>
  branches: DialBranch[]
  /** Enterprise only: set when the leading `<...>` cannot be parsed, which fails the whole call (switch_ivr_originate.c:1664-1667). */
  error?: string
}

/** The string uses something this port does not model (see the header comment). */
export class DialStringUnsupportedError extends Error {
  override name = 'DialStringUnsupportedError'
}

export function parseDialString(dial: string): ParsedDialString {
  // switch_ivr_originate takes a C string: it ends at the first NUL.
  const nul = dial.indexOf(NUL)
  const bridgeto = nul === -1 ? dial : dial.slice(0, nul)
  // switch_ivr_originate.c:2141-2144: a plain strstr, blind to quotes, escapes and blocks.
  if (bridgeto.includes(ENT_ORIGINATE_DELIM)) return enterpriseOriginate(bridgeto)
  const branch = originate(bridgeto, new VarEvent())
  return { enterprise: false, globalVars: branch.vars, branches: [branch] }
}

// ---------------------------------------------------------------------------
// Constants

const NUL = '\0'
/** switch_utils.c:51 */
const ESCAPE_META = '\\'
/** switch_types.h:47 SWITCH_ENT_ORIGINATE_DELIM */
const ENT_ORIGINATE_DELIM = ':_:'
/** switch_ivr_originate.c:83, the size of x_argv, pipe_names and peer_names. */
const MAX_PEERS = 128
/** switch_event.c:1669 var_array[1024] in switch_event_create_brackets. */
const MAX_BRACKET_VARS = 1024
/** switch_ivr_originate.c:35-36: stand-ins for commas inside `[...]`. */
const QUOTED_ESC_COMMA = '\x01'
const UNQUOTED_ESC_COMMA = '\x02'

// ---------------------------------------------------------------------------
// A C char buffer

/**
 * A strdup'ed C string: its UTF-8 bytes, one cell each (as a one-char
 * string, so code compares with ASCII literals), NUL-terminated, cut in
 * place. Bytes, not characters, because C works on bytes: `^^` followed by
 * a multi-byte character takes its first byte as the delimiter.
 */
class CBuf {
  private readonly cells: string[]

  constructor(text: string) {
    this.cells = Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte))
  }

  /** `p[i]`; past the end reads NUL (see the header comment). */
  get(i: number): string {
    return this.cells[i] ?? NUL
  }

  set(i: number, ch: string): void {
    if (i >= 0 && i < this.cells.length) this.cells[i] = ch
  }

  /** The bytes of the C string starting at `i`, one char per byte. */
  bytes(i: number): string {
    let out = ''
    for (let p = i; this.get(p) !== NUL; p++) out += this.get(p)
    return out
  }

  /** The C string starting at `i`, decoded from UTF-8. */
  str(i: number): string {
    return new TextDecoder().decode(Uint8Array.from(this.bytes(i), (ch) => ch.charCodeAt(0)))
  }
}

/** strchr: index of `ch` at or after `i`, before the NUL. */
function strchr(buf: CBuf, i: number, ch: string): number | null {
  const at = buf.bytes(i).indexOf(ch)
  return at === -1 ? null : i + at
}

/** strstr: index of `needle` (ASCII) at or after `i`, before the NUL. */
function strstr(buf: CBuf, i: number, needle: string): number | null {
  const at = buf.bytes(i).indexOf(needle)
  return at === -1 ? null : i + at
}

/** The `while (*p == ' ') p++` loops ("strip leading spaces"). */
function skipSpaces(buf: CBuf, i: number): number {
  let p = i
  while (buf.get(p) === ' ') p++
  return p
}

/** strcasecmp compares ASCII letters only. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase())
}

// ---------------------------------------------------------------------------
// switch_utils.c / switch_utils.h helpers

/** switch_find_end_paren, switch_utils.c:794-817: the matching close, nesting counted, quotes ignored. */
function findEndParen(buf: CBuf, i: number, open: string, close: string): number | null {
  let s = skipSpaces(buf, i)
  if (buf.get(s) !== open) return null
  let depth = 1
  for (s = s + 1; buf.get(s) !== NUL; s++) {
    if (buf.get(s) === open && open !== close) depth++
    else if (buf.get(s) === close && --depth === 0) return s
  }
  return null
}

/**
 * switch_strchr_strict, switch_utils.h:334-372: `find` if only chars of
 * `allowed` come before it. Quirk kept: when the string runs out first it
 * returns the NUL's position, not NULL.
 */
function strchrStrict(buf: CBuf, i: number, find: string, allowed: string): number | null {
  if (buf.get(i) === NUL) return null
  let p = i
  for (; buf.get(p) !== NUL; p++) {
    if (buf.get(p) === find) break
    if (!allowed.includes(buf.get(p))) return null
  }
  return p
}

/** unescape_char, switch_utils.c:2617-2638 */
function unescapeChar(ch: string): string {
  switch (ch) {
    case 'n':
      return '\n'
    case 'r':
      return '\r'
    case 't':
      return '\t'
    case 's':
      return ' '
    default:
      return ch
  }
}

/**
 * cleanup_separated_string, switch_utils.c:2687-2730, in place: drops
 * leading and trailing spaces, removes paired `'` (a `'` counts only if
 * another follows it in the token), and turns `\'`, `\"`, `\<delim>`, `\\`,
 * `\n`, `\r`, `\t`, `\s` into the character; any other `\x` stays as is.
 * `delim` NUL means "no delimiter" (the blank-delimiter case).
 */
function cleanupSeparatedString(buf: CBuf, str: number, delim: string): number {
  let ptr = skipSpaces(buf, str)
  const start = ptr
  let dest = ptr
  let end: number | null = null
  let insideQuotes = false
  for (; buf.get(ptr) !== NUL; ptr++) {
    let esc = false
    if (buf.get(ptr) === ESCAPE_META) {
      const next = buf.get(ptr + 1)
      const isEscapable = next === "'" || next === '"' || (delim !== NUL && next === delim) || next === ESCAPE_META
      const e = isEscapable ? next : unescapeChar(next)
      if (isEscapable || e !== next) {
        ++ptr
        buf.set(dest++, e)
        end = dest
        esc = true
      }
    }
    if (esc) continue
    const ch = buf.get(ptr)
    if (ch === "'" && (insideQuotes || strchr(buf, ptr + 1, "'") !== null)) {
      insideQuotes = !insideQuotes
      if (insideQuotes) end = dest
    } else {
      buf.set(dest++, ch)
      if (ch !== ' ' || insideQuotes) end = dest
    }
  }
  if (end !== null) buf.set(end, NUL)
  return start
}

/** switch_separate_string_string, switch_utils.c:2732-2750: split on a string, nothing escaped or quoted. */
function separateStringString(buf: CBuf, start: number, delim: string, arraylen: number): number[] {
  const tokens = [start]
  while (tokens.length < arraylen) {
    const d = strstr(buf, tokens[tokens.length - 1] ?? start, delim)
    if (d === null) break
    buf.set(d, NUL)
    tokens.push(d + delim.length)
  }
  return tokens
}

/**
 * separate_string_char_delim, switch_utils.c:2753-2794: `\x` never splits,
 * nor does a delimiter between paired `'`; then each token is cleaned up.
 */
function separateStringCharDelim(buf: CBuf, start: number, delim: string, arraylen: number): number[] {
  const tokens: number[] = []
  let findDelim = false
  let insideQuotes = false
  let ptr = start
  while (buf.get(ptr) !== NUL && tokens.length < arraylen) {
    if (!findDelim) {
      tokens.push(ptr)
      findDelim = true
      continue
    }
    const ch = buf.get(ptr)
    if (ch === ESCAPE_META) {
      ++ptr // the escaped char is skipped (even a NUL: C then reads on past it)
    } else if (ch === "'" && (insideQuotes || strchr(buf, ptr + 1, "'") !== null)) {
      insideQuotes = !insideQuotes
    } else if (ch === delim && !insideQuotes) {
      buf.set(ptr, NUL)
      findDelim = false
    }
    ++ptr
  }
  return tokens.map((t) => cleanupSeparatedString(buf, t, delim))
}

/** separate_string_blank_delim, switch_utils.c:2796-2853 (reached only through a `^^ ` prefix). */
function separateStringBlankDelim(buf: CBuf, start: number, arraylen: number): number[] {
  const tokens: number[] = []
  let state: 'start' | 'skipInitial' | 'findDelim' | 'skipEnding' = 'start'
  let insideQuotes = false
  let ptr = start
  while (buf.get(ptr) !== NUL && tokens.length < arraylen) {
    const ch = buf.get(ptr)
    if (state === 'start') {
      tokens.push(ptr)
      state = 'skipInitial'
    } else if (state === 'skipInitial' || state === 'skipEnding') {
      if (ch === ' ') ++ptr
      else state = state === 'skipInitial' ? 'findDelim' : 'start'
    } else {
      if (ch === ESCAPE_META) ++ptr
      else if (ch === "'") insideQuotes = !insideQuotes
      else if (ch === ' ' && !insideQuotes) {
        buf.set(ptr, NUL)
        state = 'skipEnding'
      }
      ++ptr
    }
  }
  return tokens.map((t) => cleanupSeparatedString(buf, t, NUL))
}

/**
 * switch_separate_string, switch_utils.c:2855-2875. A token list that
 * starts with `^^X` (and has two more chars) is split on X instead.
 */
function separateString(buf: CBuf, start: number, delim: string, arraylen: number): number[] {
  let b = start
  let d = delim
  if (buf.get(b) === '^' && buf.get(b + 1) === '^') {
    const p = b + 2
    if (buf.get(p) !== NUL && buf.get(p + 1) !== NUL) {
      d = buf.get(p)
      b = p + 1
    }
  }
  return d === ' ' ? separateStringBlankDelim(buf, b, arraylen) : separateStringCharDelim(buf, b, d, arraylen)
}

/** switch_is_number, switch_utils.c:1633-1650 */
function isNumber(s: string): boolean {
  return /^[-+]?[0-9.]*$/.test(s)
}

/** switch_true, switch_utils.h:518-528 (atoi of a switch_is_number string). */
function switchTrue(expr: string | undefined): boolean {
  if (expr === undefined) return false
  const word = asciiLower(expr)
  if (['yes', 'on', 'true', 't', 'enabled', 'active', 'allow'].includes(word)) return true
  return isNumber(expr) && (parseInt(expr, 10) || 0) !== 0
}

// ---------------------------------------------------------------------------
// switch_event.c

/**
 * A switch_event_t made by switch_event_create_plain(..., SWITCH_EVENT_CHANNEL_DATA)
 * (switch_event.h:386-398): it has EF_UNIQ_HEADERS, so one value per name,
 * names compared case-insensitively (switch_event_get_header_ptr,
 * switch_event.c:825-844). Channel variables live in the same kind of event
 * (switch_channel.c:458).
 */
class VarEvent {
  private readonly headers = new Map<string, { name: string; value: string }>()

  /** switch_event_add_header_string(e, SWITCH_STACK_BOTTOM, ...) -> switch_event_base_add_header, switch_event.c:1005-1130 */
  add(name: string, value: string): void {
    // :1019-1027 a '[' in the name makes it an indexed array header
    if (name.includes('[')) throw new DialStringUnsupportedError(`array header name not modelled: ${name}`)
    const key = asciiLower(name)
    if (value === '') {
      this.headers.delete(key) // :1085-1089 an empty value deletes the header
      return
    }
    if (value.startsWith('ARRAY::')) throw new DialStringUnsupportedError(`ARRAY:: value not modelled: ${name}`) // :1095-1099
    this.headers.delete(key) // :1091-1093 EF_UNIQ_HEADERS: replace
    this.headers.set(key, { name, value })
  }

  get(name: string): string | undefined {
    return this.headers.get(asciiLower(name))?.value
  }

  entries(): { name: string; value: string }[] {
    return [...this.headers.values()]
  }

  /** switch_event_dup, switch_event.c:1334-1368 */
  dup(): VarEvent {
    const copy = new VarEvent()
    for (const { name, value } of this.entries()) copy.add(name, value)
    return copy
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.entries().map(({ name, value }) => [name, value]))
  }
}

/**
 * switch_event_create_brackets, switch_event.c:1664-1763 (called with
 * dup = SWITCH_FALSE, so it cuts `buf` in place). `data` points at the
 * opening char `a`. The block ends at the matching `b` (find_end_paren: not
 * quote-aware, so a `b` inside a value ends it). An optional `^^X` at the
 * start makes X the delimiter instead of `c`. Each item is split once on
 * `=`: `name=value`; an item without `=` or with nothing after it is
 * dropped. Returns the index just past the block, or null on a parse error.
 */
function createBrackets(buf: CBuf, data: number, a: string, b: string, c: string, event: VarEvent): number | null {
  let vdata = data
  let end = findEndParen(buf, vdata, a, b)
  // :1682-1690 look for another block right after; never taken, since
  // check_a points at `b`, which is neither `a` nor a space.
  let checkA = end
  while (checkA !== null) {
    const checkB = strchrStrict(buf, checkA, a, ' ')
    if (checkB === null) break
    const nextEnd = findEndParen(buf, checkB, a, b)
    if (nextEnd === null) throw new DialStringUnsupportedError('switch_event_create_brackets would loop forever')
    checkA = nextEnd
  }
  if (checkA !== null) end = checkA
  // :1692-1701
  if (end === null) return null
  let next: number | null = end
  vdata++
  buf.set(end++, NUL)

  let delim = c
  let vnext: number | null = null
  for (;;) {
    // :1709-1721 if another block follows, remember where (only ever the
    // position of its close, and only for a doubled opener: C quirk)
    if (next !== null) {
      buf.set(next++, NUL)
      const pnext = strchrStrict(buf, next, a, ' ')
      if (pnext !== null) next = pnext + 1
      vnext = findEndParen(buf, next, a, b)
      next = null
    }
    // :1724-1729 the `^^X` delimiter prefix
    if (buf.get(vdata) === '^' && buf.get(vdata + 1) === '^') {
      vdata += 2
      delim = buf.get(vdata++)
    }
    // :1731-1741 split on the delimiter, then each item on '=' into 2 parts
    for (const item of separateString(buf, vdata, delim, MAX_BRACKET_VARS)) {
      const pair = separateString(buf, item, '=', 2)
      const [name, value] = pair
      if (pair.length === 2 && name !== undefined && value !== undefined) event.add(buf.str(name), buf.str(value))
    }
    // :1743-1748
    if (vnext === null) break
    vdata = vnext
    vnext = null
  }
  return end
}

// ---------------------------------------------------------------------------
// switch_ivr_originate.c

/**
 * switch_ivr_enterprise_originate, switch_ivr_originate.c:1567-1720:
 * `<...>` blocks shared by all branches, then a split on ":_:", each
 * branch run by its own switch_ivr_originate (enterprise_originate_thread,
 * :1490-1507) with a copy of the shared variables.
 */
function enterpriseOriginate(bridgeto: string): ParsedDialString {
  const buf = new CBuf(bridgeto) // :1608-1610 data = strdup(bridgeto)
  const shared = new VarEvent() // :1620-1626
  let data = skipSpaces(buf, 0) // :1654-1658
  // :1661-1672 "Parsing ultra-global variables", several blocks allowed
  while (buf.get(data) === '<') {
    const parsed = createBrackets(buf, data, '<', '>', ',', shared)
    if (parsed === null) return { enterprise: true, globalVars: shared.toRecord(), branches: [], error: 'Parse Error! (<...> block)' }
    data = parsed
  }
  const globalVars = shared.toRecord()
  data = skipSpaces(buf, data) // :1675-1679
  shared.add('ignore_early_media', 'true') // :1686
  const branchStarts = separateStringString(buf, data, ENT_ORIGINATE_DELIM, MAX_PEERS) // :1688-1694
  const last = branchStarts[branchStarts.length - 1] ?? data
  if (branchStarts.length === MAX_PEERS && strstr(buf, last, ENT_ORIGINATE_DELIM) !== null) {
    throw new DialStringUnsupportedError('more than 128 enterprise branches (the last one would recurse)')
  }
  // :1701-1718 handles[i].bridgeto = x_argv[i], handles[i].ovars = dup(var_event)
  const branches = branchStarts.map((start) => originate(buf.str(start), shared.dup()))
  return { enterprise: true, globalVars, branches }
}

/**
 * switch_ivr_originate, switch_ivr_originate.c:2064-3145, for one branch
 * (the whole string when not enterprise). `varEvent` is the branch's
 * variable set: ovars in enterprise mode (:2249-2255), empty otherwise.
 */
function originate(bridgeto: string, varEvent: VarEvent): DialBranch {
  const buf = new CBuf(bridgeto) // :2234 odata = strdup(bridgeto)
  let data = skipSpaces(buf, 0) // :2264-2267
  // :2286-2298 "Parsing ultra-global variables" (`<...>`), then
  // :2300-2311 "Parsing global variables" (`{...}`); several blocks allowed.
  for (const [open, close] of [['<', '>'], ['{', '}']] as const) {
    while (buf.get(data) === open) {
      const parsed = createBrackets(buf, data, open, close, ',', varEvent)
      if (parsed === null) return failedBranch(varEvent, `Parse Error! (${open}...${close} block)`)
      data = parsed
    }
  }
  data = skipSpaces(buf, data) // :2318-2321
  if (buf.get(data) === NUL) return failedBranch(varEvent, 'No origination URL specified!') // :2323-2327

  const loopData = new CBuf(buf.str(data)) // :2730 loop_data = strdup(data)
  const pipeNames = separateString(loopData, 0, '|', MAX_PEERS) // :2736 pipe_names
  const groups = pipeNames.map((group) => parseGroup(loopData, group, varEvent))
  return { vars: varEvent.toRecord(), groups }
}

function failedBranch(varEvent: VarEvent, error: string): DialBranch {
  return { vars: varEvent.toRecord(), groups: [], error }
}

/** One `|` group, switch_ivr_originate.c:2798-2831: protect the commas inside `[...]`, then split on ','. */
function parseGroup(loopData: CBuf, group: number, varEvent: VarEvent): DialLeg[] {
  protectBracketCommas(loopData, group)
  const peerNames = separateString(loopData, group, ',', MAX_PEERS) // :2831 peer_names
  return peerNames.map((leg) => parseLeg(loopData, leg, varEvent))
}

/**
 * switch_ivr_originate.c:2798-2829. Inside `[...]` an unescaped ',' becomes
 * QUOTED_ESC_COMMA when inside `'...'` (the toggle counts every `'` since
 * the `[`) or when the block starts with `^^`, UNQUOTED_ESC_COMMA
 * otherwise. The quotes are already gone when they wrapped a value: the
 * `|` split stripped them.
 */
function protectBracketCommas(buf: CBuf, start: number): void {
  let end: number | null = null
  let quoted = false
  let alt = false
  for (let p = start; buf.get(p) !== NUL; p++) {
    if (end === null && buf.get(p) === '[') {
      end = findEndParen(buf, p, '[', ']')
      alt = buf.get(p + 1) === '^' && buf.get(p + 2) === '^'
      quoted = false
    }
    if (buf.get(p) === "'") quoted = !quoted
    if (end !== null && p < end && buf.get(p) === ',' && buf.get(p - 1) !== '\\') {
      buf.set(p, quoted || alt ? QUOTED_ESC_COMMA : UNQUOTED_ESC_COMMA)
    }
    if (p === end) end = null
  }
}

/**
 * One leg, switch_ivr_originate.c:2848-2907: leading `[...]` blocks (several
 * allowed) parsed into the leg's own set, split on UNQUOTED_ESC_COMMA (or a
 * `^^X` delimiter); the rest is the endpoint.
 */
function parseLeg(buf: CBuf, leg: number, varEvent: VarEvent): DialLeg {
  let chanType = skipSpaces(buf, leg) // :2854-2857
  const local = buf.get(chanType) === '[' ? new VarEvent() : null // :2861-2864
  while (local !== null && buf.get(chanType) === '[') {
    // :2867-2874 commas protected as QUOTED_ESC_COMMA become ',' again
    const bend = findEndParen(buf, chanType, '[', ']')
    for (let p = chanType + 1; bend !== null && p < bend && buf.get(p) !== NUL; p++) {
      if (buf.get(p) === QUOTED_ESC_COMMA) buf.set(p, ',')
    }
    const parsed = createBrackets(buf, chanType, '[', ']', UNQUOTED_ESC_COMMA, local) // :2876-2877
    if (parsed === null || parsed === chanType) {
      // :2878-2886 "Parse Error!": switch_goto_status(SWITCH_STATUS_GENERR, done)
      return { vars: channelVars(varEvent, local), target: buf.str(chanType), error: 'Parse Error! ([...] block)' }
    }
    chanType = parsed
  }
  chanType = skipSpaces(buf, chanType) // :2904-2907
  // :2909-2912 then cuts chan_type at the first '/' into type and data; kept whole here.
  return { vars: channelVars(varEvent, local), target: buf.str(chanType) }
}

/**
 * switch_ivr_originate.c:3105-3145: the variables written to the new
 * channel. `local_var_clobber` (read from the `<>`/`{}` set only) decides
 * which set is written last and so wins: the `[]` set with it, the `{}`
 * set without it (the default).
 */
function channelVars(varEvent: VarEvent, local: VarEvent | null): Record<string, string> {
  const localClobber = switchTrue(varEvent.get('local_var_clobber')) // :3105-3107
  const channel = new VarEvent()
  if (localClobber) setChannelVariables(channel, varEvent) // :3119-3127
  if (local !== null) setChannelVariables(channel, local) // :3129-3136
  if (!localClobber) setChannelVariables(channel, varEvent) // :3138-3145
  return channel.toRecord()
}

/** switch_channel_set_variable_var_check, switch_channel.c:1488-1514 (the `${` check is not modelled). */
function setChannelVariables(channel: VarEvent, from: VarEvent): void {
  for (const { name, value } of from.entries()) {
    if (name !== '') channel.add(name, value)
  }
}
