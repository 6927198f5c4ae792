import type { CallPlan } from '../followme/plan.js'
import type { FieldErrors, FormState } from './form.js'
import { errorSummary, fieldError, html, invalidAttributes, layout, option, raw, type Raw } from './html.js'
import { describePlan, timelineSvg } from './timeline.js'

/** The Follow Me page: the form (works without JavaScript) and the ring timeline. */

export interface PageContext {
  account: string
  extension: string
  csrf: string
  strategy: string
  userMayChooseStrategy: boolean
}

const STRATEGY_TEXT: Record<string, string> = {
  sequential: 'one after another',
  simultaneous: 'all together',
}

/** No follow_me row: nothing of Follow Me to edit; Call Forward (when given) still is. */
export function notProvisionedPage(who: { account: string; csrf: string }, callForward: Raw = html``): string {
  return layout(
    'Follow Me',
    html`<h1>Follow Me</h1><p class="card">Follow Me has not been set up for your extension. Please contact your administrator to have it added.</p>${callForward}`,
    who,
  )
}

function destinationRow(row: FormState['rows'][number], i: number, count: number, errors: FieldErrors): Raw {
  const f = (n: string) => `d${i}_${n}`
  const n = i + 1
  return html`<li class="destination" data-index="${i}">
<fieldset><legend>Destination ${n}</legend>
<div class="grid">
<div><label for="${f('kind')}">Type</label><select id="${f('kind')}" name="${f('kind')}"${invalidAttributes(f('kind'), errors)}>
${option('extension', 'Extension', row.kind)}${option('external', 'Phone number', row.kind)}${option('voicemail', 'Voicemail (last only)', row.kind)}</select>${fieldError(f('kind'), errors)}</div>
<div class="wide"><label for="${f('target')}">Number</label><input id="${f('target')}" name="${f('target')}" value="${row.target}" inputmode="tel" autocomplete="off"${invalidAttributes(f('target'), errors)}>${fieldError(f('target'), errors)}</div>
<div><label for="${f('delay_s')}">Wait first (s)</label><input id="${f('delay_s')}" name="${f('delay_s')}" value="${row.delay}" inputmode="numeric" size="4"${invalidAttributes(f('delay_s'), errors)}>${fieldError(f('delay_s'), errors)}</div>
<div><label for="${f('ring_for_s')}">Ring for (s)</label><input id="${f('ring_for_s')}" name="${f('ring_for_s')}" value="${row.ringFor}" inputmode="numeric" size="4"${invalidAttributes(f('ring_for_s'), errors)}>${fieldError(f('ring_for_s'), errors)}</div>
</div>
<div class="check"><input type="checkbox" id="${f('confirm')}" name="${f('confirm')}" value="on"${raw(row.confirm ? ' checked' : '')}${invalidAttributes(f('confirm'), errors)}>
<label for="${f('confirm')}">Ask to press 1 to take the call (so a mobile's voicemail cannot answer)</label>${fieldError(f('confirm'), errors)}</div>
<div class="row-actions">
<button type="submit" name="op" value="up-${i}" class="secondary"${raw(i === 0 ? ' disabled' : '')} aria-label="Move destination ${n} up">↑ Up</button>
<button type="submit" name="op" value="down-${i}" class="secondary"${raw(i === count - 1 ? ' disabled' : '')} aria-label="Move destination ${n} down">↓ Down</button>
<button type="submit" name="op" value="remove-${i}" class="secondary danger" aria-label="Remove destination ${n}">Remove</button>
</div></fieldset></li>`
}

export function timelineSection(plan: CallPlan | undefined, ownExtension: string, enabled: boolean): Raw {
  if (plan === undefined) return html`<p>Nothing to show.</p>`
  const off = enabled ? html`` : html`<p class="info">Follow Me is off: today calls ring only your phones. When it is on:</p>`
  return html`${off}${raw(timelineSvg(plan, ownExtension))}
<details open><summary>The same in words</summary><p>${describePlan(plan, ownExtension)}.</p></details>
${plan.notes.length > 0 ? html`<ul class="notes">${plan.notes.map((n) => html`<li>${n}</li>`)}</ul>` : html``}`
}

/** The Follow Me form, its timeline, then `callForward` (forward-page.ts: its own form and save route). */
export function followMePage(ctx: PageContext, state: FormState, errors: FieldErrors, plan: CallPlan | undefined, saved: boolean, callForward: Raw = html``): string {
  const strategy = ctx.userMayChooseStrategy
    ? html`<fieldset><legend>Ring order</legend>
<div class="check"><input type="radio" id="strategy-sequential" name="strategy" value="sequential"${raw(state.strategy === 'sequential' ? ' checked' : '')}><label for="strategy-sequential">One after another</label></div>
<div class="check"><input type="radio" id="strategy-simultaneous" name="strategy" value="simultaneous"${raw(state.strategy === 'simultaneous' ? ' checked' : '')}><label for="strategy-simultaneous">All together (each after its own wait)</label></div>${fieldError('strategy', errors)}</fieldset>`
    : html`<p>Ring order: <strong>${STRATEGY_TEXT[ctx.strategy] ?? ctx.strategy}</strong> <span class="hint">(set by your administrator)</span></p>`
  const status = saved ? html`<p class="saved" role="status">Saved. Your next call follows these settings.</p>` : html``
  return layout(
    'Follow Me',
    html`<h1>Follow Me</h1>${status}${errorSummary(errors)}
<form method="post" action="/followme" id="followme" novalidate>
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<button type="submit" name="op" value="save" class="default-submit" tabindex="-1" aria-hidden="true">Save</button>
<div class="card">
<div class="check big"><input type="checkbox" id="enabled" name="enabled" value="on"${raw(state.enabled ? ' checked' : '')}>
<label for="enabled">Follow Me is on <span class="hint">(the same switch as dialling *21 on your phone)</span></label></div>
<label for="ring_extension_first_s">Ring my own phones first for (seconds, 0 = not at all)</label>
<input id="ring_extension_first_s" name="ring_extension_first_s" value="${state.ringFirst}" inputmode="numeric" size="4"${invalidAttributes('ring_extension_first_s', errors)}>${fieldError('ring_extension_first_s', errors)}
${strategy}
</div>
<h2>Then ring</h2>
<ol class="destinations">${state.rows.map((r, i) => destinationRow(r, i, state.rows.length, errors))}</ol>
${state.rows.length === 0 ? html`<p>No destinations: only your own phones ring.</p>` : html``}
<p><button type="submit" name="op" value="add" class="secondary">+ Add a destination</button></p>
<p><button type="submit" name="op" value="save" class="primary">Save</button></p>
</form>
<section aria-labelledby="timeline-title"><h2 id="timeline-title">When someone calls you</h2>
<div id="timeline" aria-live="polite">${timelineSection(plan, ctx.extension, state.enabled)}</div></section>
${callForward}`,
    { account: ctx.account, csrf: ctx.csrf },
  )
}
