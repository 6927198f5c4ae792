import { FORWARD_CONDITIONS, type ForwardCondition } from '../forwards/settings.js'
import type { FieldErrors } from './form.js'
import { FORWARD_LABEL, forwardField, type ForwardFormState } from './forward-form.js'
import { errorSummary, fieldError, html, invalidAttributes, option, raw, type Raw } from './html.js'

/**
 * The Call Forward section of the portal page: Do Not Disturb and the four
 * forwards of call_forwarding, a form of its own (POST /forwards) that works
 * without JavaScript. "Call Forward" as the peers' user portals call it.
 */

export interface ForwardSectionContext {
  csrf: string
  /** extensions.ring_timeout_s: how long the phones ring before the no-answer forward (the administrator's). */
  ringTimeoutS: number | undefined
}

/** When each forward applies, in the words the schema's comments use. */
const FORWARD_HINT: Readonly<Record<ForwardCondition, (ctx: ForwardSectionContext) => string>> = {
  all: () => 'Every call goes there at once; your phones do not ring and Follow Me is skipped. *72 on, *73 off on your phone.',
  busy: () => 'Whenever Do not disturb is on, and when your phone is busy while Follow Me is off.',
  no_answer: (ctx) =>
    `When nobody answers ${ctx.ringTimeoutS === undefined ? 'in time' : `within ${ctx.ringTimeoutS} seconds (set by your administrator)`}, instead of voicemail. Only while Follow Me is off.`,
  not_registered: () => 'When none of your phones is connected (at once, without ringing). Only while Follow Me is off.',
}

function checkbox(name: string, checked: boolean, label: Raw, errors: FieldErrors, big = false): Raw {
  return html`<div class="check${big ? ' big' : ''}"><input type="checkbox" id="${name}" name="${name}" value="on"${raw(checked ? ' checked' : '')}${invalidAttributes(name, errors)}>
<label for="${name}">${label}</label>${fieldError(name, errors)}</div>`
}

function forwardFieldset(c: ForwardCondition, state: ForwardFormState, errors: FieldErrors, ctx: ForwardSectionContext): Raw {
  const row = state.forwards[c]
  const f = (part: 'enabled' | 'kind' | 'target') => forwardField(c, part)
  return html`<fieldset><legend>${FORWARD_LABEL[c]}</legend>
<p class="hint">${FORWARD_HINT[c](ctx)}</p>
${checkbox(f('enabled'), row.enabled, html`On`, errors)}
<div class="grid forward">
<div><label for="${f('kind')}">To</label><select id="${f('kind')}" name="${f('kind')}"${invalidAttributes(f('kind'), errors)}>
${option('extension', 'Extension', row.kind)}${option('external', 'Phone number', row.kind)}${option('voicemail', 'Voicemail box', row.kind)}</select>${fieldError(f('kind'), errors)}</div>
<div class="wide"><label for="${f('target')}">Number</label><input id="${f('target')}" name="${f('target')}" value="${row.target}" inputmode="tel" autocomplete="off"${invalidAttributes(f('target'), errors)}>${fieldError(f('target'), errors)}</div>
</div></fieldset>`
}

export function callForwardSection(ctx: ForwardSectionContext, state: ForwardFormState, errors: FieldErrors, saved: boolean): Raw {
  const status = saved ? html`<p class="saved" role="status">Call Forward saved. Your next call follows it.</p>` : html``
  return html`<section aria-labelledby="call-forward-title" id="call-forward"><h2 id="call-forward-title">Call Forward</h2>
${status}${errorSummary(errors)}
<form method="post" action="/forwards" id="forwards" novalidate>
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<div class="card">
${checkbox('do_not_disturb', state.doNotDisturb, html`Do not disturb <span class="hint">(your phones do not ring; *78 on, *79 off on your phone)</span>`, errors, true)}
<label for="do_not_disturb_action">While Do not disturb is on and no busy forward is set, callers</label>
<select id="do_not_disturb_action" name="do_not_disturb_action"${invalidAttributes('do_not_disturb_action', errors)}>
${option('busy', 'hear busy', state.doNotDisturbAction)}${option('voicemail', 'go to my voicemail', state.doNotDisturbAction)}</select>${fieldError('do_not_disturb_action', errors)}
<p class="hint">Do not disturb and Forward all calls exclude each other.${raw(' ')}For a voicemail box, leave the number empty for your own.</p>
</div>
${FORWARD_CONDITIONS.map((c) => forwardFieldset(c, state, errors, ctx))}
<p><button type="submit" class="primary">Save Call Forward</button></p>
</form></section>`
}
