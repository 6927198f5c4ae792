import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { NOT_FOUND, type FreeswitchDocument } from '../freeswitch/document.js'
import { findDirectoryUser, listEnabledDomains } from './repository.js'
import type { DirectoryRequest } from './request.js'
import { directoryUser } from './user-entry.js'

/** Answers a directory lookup from the rows as they are now. */
export async function answerDirectory(db: Kysely<DB>, request: DirectoryRequest): Promise<FreeswitchDocument> {
  switch (request.kind) {
    case 'domain-list':
      return { kind: 'domain-list', domains: await listEnabledDomains(db) }
    case 'user': {
      const row = await findDirectoryUser(db, request.domain, request.user)
      return row === undefined ? NOT_FOUND : { kind: 'directory-user', user: directoryUser(row, request.realm) }
    }
    case 'unsupported':
      return NOT_FOUND
  }
}
