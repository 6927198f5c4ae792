import type { ForwardKind } from '../db/schema.js'
import { FORWARD_CONDITIONS, type Forward, type ForwardCondition, type ForwardingSettings } from '../forwards/settings.js'
import { FormRefused, formFields, normalizeNumber, type FieldErrors } from './form.js'

/**
 * The Call Forward form (Do Not Disturb and the four forwards of
 * migrations/0004_call_forwarding.sql) as the browser posts it, read into
 * the typed settings src/forwards uses. Field names are the columns'. Every
 * value is attacker-controlled: unknown or repeated fields are refused (an
 * extension id among them: the session decides whose row changes).
 */

export interface ForwardRowState {
  enabled: boolean
  kind: string
  target: string
}

export interface ForwardFormState {
  doNotDisturb: boolean
  doNotDisturbAction: string
  forwards: Record<ForwardCondition, ForwardRowState>
}

/** What the page calls each forward (and each error starts with). */
export const FORWARD_LABEL: Readonly<Record<ForwardCondition, string>> = {
  all: 'Forward all calls',
  busy: 'Forward when busy',
  no_answer: 'Forward when not answered',
  not_registered: 'Forward when no phone is connected',
}

/** forward_all_enabled, forward_busy_target...: the column each field sets. */
export function forwardField(condition: ForwardCondition, part: 'enabled' | 'kind' | 'target'): string {
  return `forward_${condition}_${part}`
}

const FIELDS = new Set(['_csrf', 'do_not_disturb', 'do_not_disturb_action', ...FORWARD_CONDITIONS.flatMap((c) => (['enabled', 'kind', 'target'] as const).map((p) => forwardField(c, p)))])

const KINDS: readonly string[] = ['extension', 'external', 'voicemail'] satisfies ForwardKind[]

/** Reads a posted Call Forward form; throws FormRefused (answered 400) for anything the page never sends. */
export function readForwardForm(body: unknown): ForwardFormState {
  const { fields, text } = formFields(body)
  for (const name of Object.keys(fields)) {
    if (!FIELDS.has(name)) throw new FormRefused(`unexpected field ${name.slice(0, 40)}`)
    text(name)
  }
  const row = (c: ForwardCondition): ForwardRowState => ({
    enabled: text(forwardField(c, 'enabled')) !== '',
    kind: text(forwardField(c, 'kind')),
    target: text(forwardField(c, 'target')),
  })
  return {
    doNotDisturb: text('do_not_disturb') !== '',
    doNotDisturbAction: text('do_not_disturb_action'),
    forwards: { all: row('all'), busy: row('busy'), no_answer: row('no_answer'), not_registered: row('not_registered') },
  }
}

/** The saved settings, for the first rendering of the page (a forward without a target shows as a phone number to type). */
export function forwardStateOf(settings: ForwardingSettings): ForwardFormState {
  const row = (f: Forward): ForwardRowState => ({ enabled: f.enabled, kind: f.target?.kind ?? 'external', target: f.target?.target ?? '' })
  const { all, busy, no_answer, not_registered } = settings.forwards
  return {
    doNotDisturb: settings.doNotDisturb,
    doNotDisturbAction: settings.doNotDisturbAction,
    forwards: { all: row(all), busy: row(busy), no_answer: row(no_answer), not_registered: row(not_registered) },
  }
}

/**
 * The schema's rules, checked before any database: the kinds, the targets'
 * shapes (an external number normalized as Follow Me's are), an enabled
 * forward has a target, DND and forward all not both on. A voicemail forward
 * without a number is the user's own box. A forward that is off keeps its
 * target (so *72 alone turns forward all back on), and an empty one has none.
 */
export function checkForwardSyntax(state: ForwardFormState, ownExtension: string): { draft: ForwardingSettings; errors: FieldErrors } {
  const errors: FieldErrors = new Map()
  const action = state.doNotDisturbAction
  if (action !== 'busy' && action !== 'voicemail') errors.set('do_not_disturb_action', 'Do not disturb, callers: choose busy or my voicemail')
  const forward = (c: ForwardCondition): Forward => {
    const { enabled, kind, target: typed } = state.forwards[c]
    const label = FORWARD_LABEL[c]
    const trimmed = typed.trim()
    if (!KINDS.includes(kind)) {
      errors.set(forwardField(c, 'kind'), `${label}, to: choose an extension, a phone number or a voicemail box`)
      return { enabled: false, target: null }
    }
    const k = kind as ForwardKind
    if (trimmed === '' && k !== 'voicemail') {
      if (enabled) errors.set(forwardField(c, 'target'), `${label}: enter the ${k === 'external' ? 'phone number' : 'extension'} to forward to`)
      return { enabled: false, target: null }
    }
    let target = trimmed === '' ? ownExtension : trimmed
    if (k === 'external') {
      const n = normalizeNumber(target)
      if (n === undefined) errors.set(forwardField(c, 'target'), `${label}, number: "${trimmed}" is not a phone number (digits, optionally a leading +)`)
      else target = n
    } else if (!/^[0-9]{1,15}$/.test(target)) {
      errors.set(forwardField(c, 'target'), `${label}, ${k === 'voicemail' ? 'voicemail box' : 'extension'}: enter an extension number (digits only)`)
    }
    if (errors.has(forwardField(c, 'target'))) return { enabled: false, target: null }
    return { enabled, target: { kind: k, target } }
  }
  const forwards = { all: forward('all'), busy: forward('busy'), no_answer: forward('no_answer'), not_registered: forward('not_registered') }
  if (state.doNotDisturb && state.forwards.all.enabled) {
    errors.set(forwardField('all', 'enabled'), `${FORWARD_LABEL.all}: it cannot be on together with Do not disturb; turn one of them off`)
  }
  return {
    draft: { doNotDisturb: state.doNotDisturb, doNotDisturbAction: action === 'voicemail' ? 'voicemail' : 'busy', forwards },
    errors,
  }
}
