/**
 * Test oracle: the caller ID name an extension's phone shows, from what the
 * service answered and what the caller sent, the way FreeSWITCH 1.10.12
 * gets there (facts §14):
 * 1. `set effective_caller_id_name=<data>` expands `${caller_id_name}` to the
 *    caller profile's name (mod_dptools.c:1632-1677). sofia already turned any
 *    `${` of a SIP display name into `%{` (switch_caller.h:61,
 *    switch_utils.h:759-806): modelled here for that one variable only.
 * 2. Every B-leg without origination_caller_id_name takes the A-leg's
 *    effective_caller_id_name (switch_core_session.c:567-596), else the
 *    caller profile's name.
 * 3. sofia_outgoing_channel runs switch_sanitize_number on it
 *    (mod_sofia.c:5080-5084): ported below.
 */
export function shownOnPhone(actions: ReadonlyArray<readonly [string, string | undefined]>, callerName: string): string {
  let effective: string | undefined
  for (const [app, data] of actions) {
    if (app === 'set' && data?.startsWith('effective_caller_id_name=')) {
      effective = data.slice('effective_caller_id_name='.length).split('${caller_id_name}').join(cleaned(callerName))
    }
    if (app === 'unset' && data === 'effective_caller_id_name') effective = undefined
    if (app === 'bridge') break
  }
  return sanitizeNumber(effective ?? cleaned(callerName))
}

/** profile_dup_clean: `${` becomes `%{` in what sofia puts in the caller profile. */
function cleaned(name: string): string {
  return name.split('${').join('%{')
}

/**
 * switch_sanitize_number (switch_utils.h:736-757): untouched unless it holds
 * / : or @; then cut at the first @, then keep what follows the last /,
 * then what follows the last : of that.
 */
export function sanitizeNumber(value: string): string {
  if (!/[/:@]/.test(value)) return value
  let p = value
  const at = p.indexOf('@')
  if (at !== -1) p = p.slice(0, at)
  for (const warp of ['/', ':']) {
    const i = p.lastIndexOf(warp)
    if (i !== -1) p = p.slice(i + 1)
  }
  return p
}
