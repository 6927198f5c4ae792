import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { DialplanSettings } from '../dialplan/actions.js'
import { answerDialplan, type DialplanLog } from '../dialplan/answer.js'
import { answerDirectory } from '../directory/answer.js'
import { NOT_FOUND, type FreeswitchDocument } from './document.js'
import type { XmlCurlRequest } from './request.js'

export interface AnswerContext {
  db: Kysely<DB>
  dialplan: DialplanSettings
  log: DialplanLog
}

/** Routes a parsed lookup to the section that answers it. */
export async function answer(ctx: AnswerContext, request: XmlCurlRequest): Promise<FreeswitchDocument> {
  switch (request.section) {
    case 'directory':
      return answerDirectory(ctx.db, request.directory)
    case 'dialplan':
      return answerDialplan(ctx.db, request.dialplan, ctx.dialplan, ctx.log)
    case 'unsupported':
    case 'refused':
      return NOT_FOUND
  }
}
