import type { Database } from '../db/database.js'
import { NOT_FOUND, type LookupAnswer } from '../freeswitch/document.js'
import { directoryListing } from './listing.js'
import { findDirectoryUser, listDirectoryExtensions, listEnabledDomains } from './repository.js'
import type { DirectoryRequest } from './request.js'
import { keptUserOf, userEntryOf } from './user-entry.js'

/** Answers a directory lookup from the rows as they are now. */
export async function answerDirectory(database: Database, request: DirectoryRequest): Promise<LookupAnswer> {
  switch (request.kind) {
    case 'domain-list':
      return { document: { kind: 'domain-list', domains: await listEnabledDomains(database.db) }, decision: 'domain-list', notes: [], cacheable: true }
    case 'user': {
      const row = await findDirectoryUser(database, request.domain, request.user)
      if (row === undefined) return { document: NOT_FOUND, decision: 'not-found', notes: ['no enabled extension of an enabled domain'], cacheable: true }
      const kept = keptUserOf(row, request.realm)
      return { document: { kind: 'directory-user', user: userEntryOf(kept) }, decision: 'user', notes: [], cacheable: true, kept }
    }
    case 'directory-listing': {
      const rows = await listDirectoryExtensions(database.db, request.domain)
      if (rows === undefined) return { document: NOT_FOUND, decision: 'not-found', notes: [`no enabled domain ${request.domain}`], cacheable: true }
      const { users, notes } = directoryListing(rows)
      return { document: { kind: 'directory-listing', domain: request.domain, users }, decision: `directory-listing ${users.length}`, notes, cacheable: true }
    }
    case 'unsupported':
      return { document: NOT_FOUND, decision: 'not-found', notes: [request.reason], cacheable: true }
  }
}
