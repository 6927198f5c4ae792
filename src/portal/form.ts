import type { DestinationSettings } from '../followme/plan.js'
import type { UserFollowMe } from './repository.js'

/**
 * The Follow Me form as the browser posts it (application/x-www-form-urlencoded),
 * read into a typed draft. Every value is attacker-controlled: unknown or
 * repeated fields are refused, and the values keep their typed text so a page
 * with errors shows what the user wrote.
 */

export interface DestinationRow {
  kind: string
  target: string
  delay: string
  ringFor: string
  confirm: boolean
}

export interface FormState {
  enabled: boolean
  strategy: string
  ringFirst: string
  rows: DestinationRow[]
}

export type FormOp =
  | { kind: 'save' }
  | { kind: 'preview' }
  | { kind: 'add' }
  | { kind: 'up' | 'down' | 'remove'; index: number }

/** The schema's limits (migrations/0001_initial_schema.sql). */
export const MAX_DESTINATIONS = 99
export const SECONDS_MAX = 600

const TOP_FIELDS = new Set(['_csrf', 'op', 'enabled', 'strategy', 'ring_extension_first_s'])
const ROW_FIELD = /^d([0-9]{1,2})_(kind|target|delay_s|ring_for_s|confirm)$/
const OP = /^(save|preview|add|up|down|remove)(?:-([0-9]{1,2}))?$/

export class FormRefused extends Error {
  override name = 'FormRefused'
}

/**
 * A posted form's fields and a reader of one field's text ('' when absent);
 * the reader throws FormRefused for a repeated or overlong field.
 */
export function formFields(body: unknown): { fields: Record<string, unknown>; text: (name: string) => string } {
  if (typeof body !== 'object' || body === null) throw new FormRefused('the form is empty')
  const fields = body as Record<string, unknown>
  const text = (name: string): string => {
    const v = fields[name]
    if (v === undefined) return ''
    if (typeof v !== 'string') throw new FormRefused(`the field ${name} was sent more than once`)
    if (v.length > 200) throw new FormRefused(`the field ${name} is too long`)
    return v
  }
  return { fields, text }
}

/** Reads a posted form; throws FormRefused (answered 400) for anything a page of ours never sends. */
export function readForm(body: unknown): { state: FormState; op: FormOp } {
  const { fields, text } = formFields(body)
  const rows = new Map<number, Partial<Record<string, string>>>()
  for (const name of Object.keys(fields)) {
    const m = ROW_FIELD.exec(name)
    if (m !== null) {
      const index = Number(m[1])
      const row = rows.get(index) ?? {}
      row[m[2] as string] = text(name)
      rows.set(index, row)
    } else if (!TOP_FIELDS.has(name)) {
      throw new FormRefused(`unexpected field ${name.slice(0, 40)}`)
    } else {
      text(name)
    }
  }
  if (rows.size > MAX_DESTINATIONS) throw new FormRefused(`at most ${MAX_DESTINATIONS} destinations`)
  const op = OP.exec(text('op') || 'save')
  if (op === null) throw new FormRefused('unknown action')
  const opKind = op[1] as FormOp['kind']
  const parsedOp: FormOp =
    opKind === 'up' || opKind === 'down' || opKind === 'remove'
      ? { kind: opKind, index: Number(op[2] ?? -1) }
      : { kind: opKind }
  return {
    op: parsedOp,
    state: {
      enabled: text('enabled') !== '',
      strategy: text('strategy'),
      ringFirst: text('ring_extension_first_s'),
      rows: [...rows.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, r]) => ({ kind: r.kind ?? '', target: r.target ?? '', delay: r.delay_s ?? '', ringFor: r.ring_for_s ?? '', confirm: (r.confirm ?? '') !== '' })),
    },
  }
}

/** The rows as saved, for the first rendering of the page. */
export function stateOf(fm: UserFollowMe): FormState {
  return {
    enabled: fm.enabled,
    strategy: fm.strategy,
    ringFirst: String(fm.ringExtensionFirstS),
    rows: fm.destinations.map((d) => ({ kind: d.kind, target: d.target, delay: String(d.delayS), ringFor: String(d.ringForS), confirm: d.confirm })),
  }
}

/** Add, remove, move: edits of the draft that are not saved yet (the page works without JavaScript). */
export function applyOp(state: FormState, op: FormOp): FormState {
  const rows = [...state.rows]
  if (op.kind === 'add') {
    // A new row goes before a final voicemail, which must stay last.
    const at = rows.length > 0 && rows[rows.length - 1]?.kind === 'voicemail' ? rows.length - 1 : rows.length
    if (rows.length < MAX_DESTINATIONS) rows.splice(at, 0, { kind: 'external', target: '', delay: '0', ringFor: '20', confirm: true })
  } else if (op.kind === 'remove') {
    rows.splice(op.index, 1)
  } else if (op.kind === 'up' || op.kind === 'down') {
    const to = op.kind === 'up' ? op.index - 1 : op.index + 1
    if (to >= 0 && to < rows.length && op.index < rows.length) {
      const [moved] = rows.splice(op.index, 1) as [DestinationRow]
      rows.splice(to, 0, moved)
    }
  }
  return { ...state, rows }
}

/** Field name -> what is wrong with it, in plain words naming the field. */
export type FieldErrors = Map<string, string>

export interface Draft {
  strategy: 'sequential' | 'simultaneous'
  ringExtensionFirstS: number
  /** Rows that passed the syntax checks (with their index in the form), target normalized. */
  destinations: Array<{ index: number; settings: DestinationSettings }>
}

/**
 * What people type for a phone number (spaces, dashes, dots, parentheses,
 * slashes, a leading +, a trailing #) reduced to the schema's shape
 * (digits with an optional leading +), or undefined.
 */
export function normalizeNumber(typed: string): string | undefined {
  const cleaned = typed.trim().replace(/#$/, '').replace(/[\s\-().\/]/g, '')
  return /^\+?[0-9]{1,20}$/.test(cleaned) ? cleaned : undefined
}

function seconds(value: string, min: number, label: string, field: string, errors: FieldErrors): number {
  const v = value.trim()
  if (!/^[0-9]{1,4}$/.test(v) || Number(v) < min || Number(v) > SECONDS_MAX) {
    errors.set(field, `${label}: enter whole seconds from ${min} to ${SECONDS_MAX}`)
    return min
  }
  return Number(v)
}

/** The schema's rules, checked before any database: numbers, ranges, kinds, voicemail last. */
export function checkSyntax(state: FormState, current: { strategy: string; userMayChooseStrategy: boolean }): { draft: Draft; errors: FieldErrors } {
  const errors: FieldErrors = new Map()
  let strategy = current.strategy as Draft['strategy']
  if (current.userMayChooseStrategy) {
    if (state.strategy === 'sequential' || state.strategy === 'simultaneous') strategy = state.strategy
    else errors.set('strategy', 'Ring order: choose one after another or all together')
  }
  const ringExtensionFirstS = seconds(state.ringFirst, 0, 'Ring my phone first', 'ring_extension_first_s', errors)
  const destinations: Draft['destinations'] = []
  state.rows.forEach((row, index) => {
    const label = `Destination ${index + 1}`
    const f = (name: string) => `d${index}_${name}`
    const before = errors.size
    if (row.kind !== 'extension' && row.kind !== 'external' && row.kind !== 'voicemail') {
      errors.set(f('kind'), `${label}, type: choose extension, phone number or voicemail`)
      return
    }
    let target = row.target.trim()
    if (row.kind === 'external') {
      const n = normalizeNumber(target)
      if (n === undefined) errors.set(f('target'), `${label}, number: "${target}" is not a phone number (digits, optionally a leading +)`)
      else target = n
    } else if (!/^[0-9]{1,15}$/.test(target)) {
      errors.set(f('target'), `${label}, ${row.kind === 'voicemail' ? 'voicemail box' : 'extension'}: enter an extension number (digits only)`)
    }
    if (row.kind === 'voicemail') {
      if (index !== state.rows.length - 1) errors.set(f('kind'), `${label}, type: voicemail can only be the last destination`)
      if (row.confirm) errors.set(f('confirm'), `${label}, confirmation: a voicemail box cannot press 1`)
    }
    const delayS = row.kind === 'voicemail' ? 0 : seconds(row.delay, 0, `${label}, wait before ringing`, f('delay_s'), errors)
    const ringForS = row.kind === 'voicemail' ? 20 : seconds(row.ringFor, 1, `${label}, ring for`, f('ring_for_s'), errors)
    if (errors.size === before) {
      destinations.push({ index, settings: { position: index + 1, kind: row.kind, target, delayS, ringForS, confirm: row.kind !== 'voicemail' && row.confirm } })
    }
  })
  return { draft: { strategy, ringExtensionFirstS, destinations }, errors }
}
