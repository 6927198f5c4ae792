import { GLOBAL_BUCKET } from '../cache/answer-cache.js'
import type { XmlCurlRequest } from './request.js'

/**
 * Where a request's answer may be kept, and under which key: everything the
 * answer depends on besides the rows. Undefined: never kept.
 *
 * - A tenant's lookups (its directory users, calls in its context) depend on
 *   its rows only: its bucket.
 * - The public context reaches a tenant through `dids`, and the domain list
 *   spans tenants: the global bucket, dropped on any change.
 * - An external caller's presented name and number are in the key: they
 *   may be in the answer (the name shown on its Follow Me legs to mobiles).
 * - The call's Unique-ID is left out: it changes no answer but a feature
 *   code's, and those are never kept (LookupAnswer.cacheable).
 */
export function cacheKeyOf(request: XmlCurlRequest): { bucket: string; key: string } | undefined {
  switch (request.section) {
    case 'directory': {
      const d = request.directory
      if (d.kind === 'user') return { bucket: d.domain, key: `u\u0000${d.action}\u0000${d.user}\u0000${d.realm ?? ''}` }
      if (d.kind === 'domain-list') return { bucket: GLOBAL_BUCKET, key: 'domain-list' }
      if (d.kind === 'directory-listing') return { bucket: d.domain, key: 'directory-listing' }
      return undefined
    }
    case 'dialplan': {
      const d = request.dialplan
      if (d.kind === 'confirm') return { bucket: GLOBAL_BUCKET, key: `confirm\u0000${d.destination}` }
      if (d.kind !== 'call') return undefined
      // An external caller's name can be in the answer (its Follow Me legs
      // to mobiles show it, dial-string.ts callerIdVars): part of the key.
      const caller = d.caller.kind === 'extension' ? d.caller.extension : JSON.stringify([d.caller.name ?? null, d.caller.number ?? null])
      // The failed cause decides whether a follow-up (failed_<EXT>_<CAUSE>) is answered.
      const key = `c\u0000${d.contextName}\u0000${d.destination}\u0000${caller}\u0000${d.visited.join(',')}\u0000${d.failedCause ?? ''}`
      return { bucket: d.context === 'public' ? GLOBAL_BUCKET : d.context, key }
    }
    case 'unsupported':
    case 'refused':
      return undefined
  }
}
