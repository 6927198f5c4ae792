import type { CallPlan, NoAnswerStep, PlannedLeg } from '../followme/plan.js'
import { escapeHtml } from './html.js'

/**
 * "When does my mobile ring?": the plan the dialplan answers with
 * (src/followme/plan.ts), drawn as an SVG timeline. One bar per leg from its
 * start to its end, confirm legs marked "press 1", then what happens when
 * nothing answered. Server-rendered; every text escaped.
 */
const WIDTH = 640
const LABEL_W = 170
const ROW_H = 30
const TOP = 24

export function legLabel(leg: PlannedLeg, ownExtension: string): string {
  if (leg.target.kind === 'registrations') return leg.target.extension === ownExtension ? 'Your phones' : `Extension ${leg.target.extension}`
  return leg.target.number
}

export function noAnswerText(step: NoAnswerStep): string {
  switch (step.kind) {
    case 'voicemail':
      return `voicemail box ${step.box}`
    case 'hangup':
      return 'the caller is hung up on'
    case 'transfer':
      return `transferred to extension ${step.extension}`
    case 'external':
      return `forwarded to ${step.leg.target.kind === 'gateway' ? step.leg.target.number : step.leg.label}`
  }
}

export function timelineSvg(plan: CallPlan, ownExtension: string): string {
  const end = Math.max(0, ...plan.legs.map((l) => l.startS + l.ringS))
  const span = Math.max(10, Math.ceil((end * 1.1) / 10) * 10)
  const x = (s: number) => LABEL_W + ((WIDTH - LABEL_W - 20) * s) / span
  const height = TOP + ROW_H * (plan.legs.length + 1) + 24
  const parts: string[] = []
  // Seconds axis: a tick every 10 s (every 30 s on long plans).
  const step = span > 120 ? 30 : 10
  for (let s = 0; s <= span; s += step) {
    parts.push(`<line class="tick" x1="${x(s)}" x2="${x(s)}" y1="${TOP - 6}" y2="${height - 24}"/>`)
    parts.push(`<text class="axis" x="${x(s)}" y="${TOP - 10}" text-anchor="middle">${s}s</text>`)
  }
  plan.legs.forEach((leg, i) => {
    const y = TOP + i * ROW_H
    const label = escapeHtml(legLabel(leg, ownExtension))
    const stop = leg.startS + leg.ringS
    parts.push(
      `<g class="leg${leg.confirm ? ' confirm' : ''}" data-start="${leg.startS}" data-end="${stop}" data-confirm="${leg.confirm}">` +
        `<text class="label" x="${LABEL_W - 8}" y="${y + 19}" text-anchor="end">${label}</text>` +
        `<rect class="bar" x="${x(leg.startS)}" y="${y + 5}" width="${Math.max(2, x(stop) - x(leg.startS))}" height="${ROW_H - 10}" rx="3"/>` +
        `<text class="span" x="${x(leg.startS) + 4}" y="${y + 19}">${leg.startS}–${stop}s</text>` +
        // Outside the bar, in dark text, so a short bar cannot hide it.
        (leg.confirm ? `<text class="press" x="${Math.min(x(stop) + 4, WIDTH - 50)}" y="${y + 19}">press 1</text>` : '') +
        `<title>${label}: rings from ${leg.startS}s to ${stop}s${leg.confirm ? ', must press 1 to take the call' : ''}</title>` +
        `</g>`,
    )
  })
  const y = TOP + plan.legs.length * ROW_H
  parts.push(
    `<g class="no-answer" data-at="${end}"><line x1="${x(end)}" x2="${x(end)}" y1="${TOP - 6}" y2="${y + ROW_H}"/>` +
      `<text class="label" x="${LABEL_W - 8}" y="${y + 19}" text-anchor="end">No answer</text>` +
      `<text class="span" x="${Math.min(x(end) + 4, WIDTH - 200)}" y="${y + 19}">at ${end}s: ${escapeHtml(noAnswerText(plan.noAnswer))}</text></g>`,
  )
  const desc = describePlan(plan, ownExtension)
  return (
    `<svg class="timeline" role="img" aria-labelledby="tl-title tl-desc" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="tl-title">What happens when someone calls you</title><desc id="tl-desc">${escapeHtml(desc)}</desc>${parts.join('')}</svg>`
  )
}

/** The same timeline in words (screen readers, and the list under the picture). */
export function describePlan(plan: CallPlan, ownExtension: string): string {
  const end = Math.max(0, ...plan.legs.map((l) => l.startS + l.ringS))
  const legs = plan.legs.map((l) => `${legLabel(l, ownExtension)} ${legLabel(l, ownExtension) === 'Your phones' ? 'ring' : 'rings'} from ${l.startS}s to ${l.startS + l.ringS}s${l.confirm ? ' (press 1 to take the call)' : ''}`)
  return [...legs, `at ${end}s with no answer: ${noAnswerText(plan.noAnswer)}`].join('; ')
}
