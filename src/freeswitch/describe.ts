import type { XmlCurlRequest } from './request.js'

/**
 * What the log line of a lookup says about the request: the section, the
 * action or context, who or what is asked for, the call's Unique-ID. Never a
 * password, hash, PIN or digest field.
 */
export interface LookupDescription {
  section: string
  action?: string
  context?: string
  user?: string
  destination?: string
  caller?: string
  call?: string
  reason?: string
}

export function describeLookup(request: XmlCurlRequest): LookupDescription {
  switch (request.section) {
    case 'unsupported':
    case 'refused':
      return { section: request.section, reason: request.reason }
    case 'dialplan': {
      const d = request.dialplan
      if (d.kind === 'call') {
        return {
          section: 'dialplan',
          context: d.context,
          destination: d.destination,
          caller: d.caller.kind === 'extension' ? d.caller.extension : 'anonymous',
          ...(d.uniqueId !== undefined ? { call: d.uniqueId } : {}),
        }
      }
      if (d.kind === 'confirm') return { section: 'dialplan', context: 'followme_confirm', destination: d.destination }
      return { section: 'dialplan', reason: d.reason }
    }
    case 'directory': {
      const d = request.directory
      if (d.kind === 'user') return { section: 'directory', action: d.action, user: `${d.user}@${d.domain}` }
      if (d.kind === 'domain-list') return { section: 'directory', action: 'domain-list' }
      if (d.kind === 'directory-listing') return { section: 'directory', action: 'directory-listing', user: `*@${d.domain}` }
      return { section: 'directory', reason: d.reason }
    }
  }
}
