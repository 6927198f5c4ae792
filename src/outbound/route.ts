/**
 * Choosing how an external number leaves: a pure function of the routes
 * Postgres matched (the patterns are POSIX regular expressions, so Postgres,
 * not JavaScript, decides which match) and the toll classes allowed.
 */
export interface RouteRow {
  priority: number
  pattern: string
  gateway: string
  strip_digits: number
  prepend: string
  toll_class: string | null
}

export type RouteChoice =
  | { ok: true; route: RouteRow; dial: string }
  | { ok: false; cause: 'NO_ROUTE_DESTINATION' | 'OUTGOING_CALL_BARRED'; reason: string }

const DIALABLE = /^\+?[0-9]{1,24}$/

/**
 * The first route (lowest priority) among `matching` whose toll class the
 * caller may use; `matching` holds only routes whose pattern matched `number`.
 */
export function chooseRoute(number: string, matching: readonly RouteRow[], tollAllow: readonly string[]): RouteChoice {
  if (matching.length === 0) return { ok: false, cause: 'NO_ROUTE_DESTINATION', reason: `no outbound route matches ${number}` }
  const sorted = [...matching].sort((a, b) => a.priority - b.priority)
  const route = sorted.find((r) => r.toll_class === null || tollAllow.includes(r.toll_class))
  if (route === undefined) {
    const needed = [...new Set(sorted.map((r) => r.toll_class))].join(' or ')
    return { ok: false, cause: 'OUTGOING_CALL_BARRED', reason: `${number} needs toll class ${needed}, allowed: ${tollAllow.join(',') || 'none'}` }
  }
  const dial = route.prepend + number.slice(route.strip_digits)
  if (!DIALABLE.test(dial)) {
    return { ok: false, cause: 'NO_ROUTE_DESTINATION', reason: `route ${route.priority} turns ${number} into ${JSON.stringify(dial)}, which is not a dialable number` }
  }
  return { ok: true, route, dial }
}
