/**
 * The portal's stylesheet and its one small script, served from memory
 * (no build step, no files to deploy). The script only redraws the ring
 * timeline while the user edits: every page works without it.
 */
export const PORTAL_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem;padding:.6rem 1rem;background:#123b63;color:#fff}
header .brand{margin:0;font-weight:700}
header nav{display:flex;gap:.75rem;align-items:center}
header form{margin:0}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.card,fieldset{background:#fff;border:1px solid #c8ccd2;border-radius:8px;padding:1rem;margin:0 0 1rem}
legend{font-weight:700;padding:0 .25rem}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}
.check{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}
.check label{display:inline;font-weight:400;margin:0}
.check.big label{font-weight:700}
input,select,button{font:inherit}
input:not([type=checkbox]):not([type=radio]),select{width:100%;padding:.5rem;border:1px solid #6b7280;border-radius:6px;background:#fff;color:#1a1a1a}
input[type=checkbox],input[type=radio]{width:1.3rem;height:1.3rem;margin-top:.15rem;flex:none}
.grid{display:grid;grid-template-columns:1.4fr 2fr 1fr 1fr;gap:.5rem}
.grid.forward{grid-template-columns:1fr 2fr}
@media (max-width:34rem){.grid{grid-template-columns:1fr 1fr}.grid .wide{grid-column:1/-1}.timeline{font-size:16px}}
ol.destinations{list-style:none;padding:0;margin:0}
button{cursor:pointer;border-radius:6px;padding:.55rem 1rem;border:2px solid #0b5cad;background:#0b5cad;color:#fff;font-weight:600}
button.secondary{background:#fff;color:#0b4a8b}
button.danger{border-color:#a8201a;color:#a8201a}
button.link{background:none;border:none;color:#fff;text-decoration:underline;padding:0}
button:disabled{opacity:.45;cursor:not-allowed}
.row-actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem}
:focus-visible{outline:3px solid #d97706;outline-offset:2px}
.default-submit{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
.errors{border:2px solid #a8201a;background:#fff5f5;border-radius:8px;padding:.5rem 1rem;margin-bottom:1rem}
.errors h2{margin:.25rem 0;font-size:1.05rem;color:#a8201a}
.errors a{color:#8a1a15}
.field-error{display:block;color:#a8201a;font-weight:600;margin-top:.2rem}
[aria-invalid=true]{border-color:#a8201a!important;border-width:2px!important}
.error{color:#8a1a15;font-weight:600;background:#fff5f5;border-left:4px solid #a8201a;padding:.5rem}
.info,.saved{background:#eef6ff;border-left:4px solid #0b5cad;padding:.5rem}
.saved{background:#effaf1;border-color:#1d7a35}
.hint{color:#4b5563;font-weight:400}
.timeline{background:#fff;border:1px solid #c8ccd2;border-radius:8px;font-size:12px}
.timeline .tick{stroke:#d1d5db}
.timeline .axis{fill:#4b5563}
.timeline .label{fill:#1a1a1a;font-weight:600}
.timeline .bar{fill:#2f7dd1}
.timeline .confirm .bar{fill:#b45309}
.timeline .span{fill:#fff;font-weight:600}
.timeline .press{fill:#8a3b00;font-weight:700}
.timeline .no-answer line{stroke:#a8201a;stroke-width:2;stroke-dasharray:4 3}
.timeline .no-answer .span{fill:#1a1a1a}
.notes{color:#4b5563}
`

export const PORTAL_JS = `
(function () {
  // "Saved" is said once: a reload does not say it again.
  if (/[?&]saved=/.test(location.search) && history.replaceState) history.replaceState(null, '', location.pathname + location.hash);
  var form = document.getElementById('followme');
  var target = document.getElementById('timeline');
  if (!form || !target || !window.fetch) return;
  var timer;
  function refresh() {
    var data = new URLSearchParams(new FormData(form));
    data.set('op', 'preview');
    fetch('/followme/preview', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) target.innerHTML = html; })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  var errors = document.getElementById('errors');
  if (errors) errors.focus();
})();
`
