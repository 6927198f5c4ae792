/** The one HTML escaper of the portal: every value from the database or a request goes through it. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

/** Tagged template: interpolated strings are escaped; `raw()` marks already-rendered HTML. */
export class Raw {
  constructor(readonly html: string) {}
}

export function raw(html: string): Raw {
  return new Raw(html)
}

export function html(strings: TemplateStringsArray, ...values: Array<string | number | Raw | Raw[] | undefined>): Raw {
  let out = strings[0] ?? ''
  values.forEach((v, i) => {
    if (v instanceof Raw) out += v.html
    else if (Array.isArray(v)) out += v.map((r) => r.html).join('')
    else if (v !== undefined) out += escapeHtml(String(v))
    out += strings[i + 1] ?? ''
  })
  return new Raw(out)
}

export function layout(title: string, body: Raw, who?: { account: string; csrf: string }): string {
  const nav =
    who === undefined
      ? html``
      : html`<nav aria-label="Account"><span>${who.account}</span>
<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${who.csrf}"><button type="submit" class="link">Log out</button></form></nav>`
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Phone portal</title>
<link rel="stylesheet" href="/assets/portal.css">
<script src="/assets/portal.js" defer></script>
</head><body><header><p class="brand">Phone portal</p>${nav}</header>
<main id="main">${body}</main></body></html>`.html}\n`
}

export function errorSummary(errors: ReadonlyMap<string, string>): Raw {
  if (errors.size === 0) return html``
  return html`<div class="errors" role="alert" tabindex="-1" id="errors"><h2>Please correct ${errors.size === 1 ? 'this' : 'these'}:</h2><ul>${[...errors.entries()].map(
    ([field, message]) => html`<li><a href="#${field}">${message}</a></li>`,
  )}</ul></div>`
}

export function loginPage(csrf: string, message?: { text: string; kind: 'error' | 'info' }, account = ''): string {
  const note = message === undefined ? html`` : html`<p class="${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${message.text}</p>`
  return layout(
    'Log in',
    html`<h1>Log in</h1>${note}
<form method="post" action="/login" class="card">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="account">Extension and domain</label>
<input id="account" name="account" autocomplete="username" inputmode="email" placeholder="100@pbx.example.com" value="${account}" required>
<label for="password">Portal password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
<p class="hint">No password? Your administrator sets it.</p>`,
  )
}

/** A form field's ARIA attributes when `errors` has a message for it. */
export function invalidAttributes(name: string, errors: ReadonlyMap<string, string>): Raw {
  return errors.has(name) ? raw(` aria-invalid="true" aria-describedby="${name}-error"`) : raw('')
}

/** A form field's message, referenced by invalidAttributes. */
export function fieldError(name: string, errors: ReadonlyMap<string, string>): Raw {
  const e = errors.get(name)
  return e === undefined ? html`` : html`<span class="field-error" id="${name}-error">${e}</span>`
}

export function option(value: string, label: string, selected: string): Raw {
  return html`<option value="${value}"${raw(value === selected ? ' selected' : '')}>${label}</option>`
}
