import { describeNoAnswer, type NoAnswerStep } from '../followme/plan.js'
import type { AfterRing, ForwardReason } from './decision.js'
import { describeTarget, FORWARD_CONDITIONS, type ForwardingSettings } from './settings.js'

/** Explain's lines for DND and the forwards (npm run explain, GET /explain's text twin). */

const NAMES = { all: 'all', busy: 'busy', no_answer: 'no answer', not_registered: 'not registered' } as const

/** "forwarding: DND off; all → extension 101; busy (off) ..." as lines. */
export function forwardingLines(settings: ForwardingSettings): string[] {
  const dnd = settings.doNotDisturb ? `on (${settings.doNotDisturbAction === 'busy' ? 'callers hear busy' : 'callers reach voicemail'})` : 'off'
  const forwards = FORWARD_CONDITIONS.map((c) => {
    const { enabled, target } = settings.forwards[c]
    if (target === null) return `${NAMES[c]} —`
    return `${NAMES[c]} ${enabled ? '→' : '(off)'} ${describeTarget(target)}`
  })
  return [`  do not disturb: ${dnd}`, `  forwards: ${forwards.join('; ')}`]
}

export function forwardHeadline(reason: ForwardReason | 'ring-failed'): string {
  switch (reason) {
    case 'all':
      return 'forward all'
    case 'dnd':
      return 'Do Not Disturb'
    case 'ring-failed':
      return 'ring failed, no forward'
    default:
      return `forward ${NAMES[reason]}`
  }
}

/** After the extension's own ring: each failure's destination. */
export function afterRingLines(after: AfterRing, otherwise: NoAnswerStep, atS: number): string[] {
  const line = (label: string, step: NoAnswerStep | undefined) => `  ${label.padEnd(10)} ${`${atS}s`.padEnd(13)} ${describeNoAnswer(step ?? otherwise)}`
  return [
    line('busy', after.busy),
    line('no answer', after.no_answer),
    `  not registered (at once, nothing rings): ${describeNoAnswer(after.not_registered ?? otherwise)}`,
  ]
}
