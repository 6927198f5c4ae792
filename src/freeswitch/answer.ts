import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { answerDirectory } from '../directory/answer.js'
import { NOT_FOUND, type FreeswitchDocument } from './document.js'
import type { XmlCurlRequest } from './request.js'

/** Routes a parsed lookup to the section that answers it. */
export async function answer(db: Kysely<DB>, request: XmlCurlRequest): Promise<FreeswitchDocument> {
  switch (request.section) {
    case 'directory':
      return answerDirectory(db, request.directory)
    case 'unsupported':
      return NOT_FOUND
  }
}
