import type { Database } from '../db/database.js'
import type { DialplanSettings } from '../dialplan/actions.js'
import { answerDialplan } from '../dialplan/answer.js'
import { answerDirectory } from '../directory/answer.js'
import { NOT_FOUND, type LookupAnswer } from './document.js'
import type { XmlCurlRequest } from './request.js'

export interface AnswerContext {
  /** The primary: writes (feature codes). */
  database: Database
  /** Where lookups read: a replica, or the primary. */
  reads: Database
  dialplan: DialplanSettings
  /** When the lookup's budget runs out (epoch ms). */
  deadline: number
}

/** Routes a parsed lookup to the section that answers it. */
export async function answer(ctx: AnswerContext, request: XmlCurlRequest): Promise<LookupAnswer> {
  switch (request.section) {
    case 'directory':
      return answerDirectory(ctx.reads, request.directory)
    case 'dialplan':
      return answerDialplan(ctx.database, request.dialplan, ctx.dialplan, ctx.deadline)
    case 'unsupported':
    case 'refused':
      return { document: NOT_FOUND, decision: 'not-found', notes: [request.reason], cacheable: true }
  }
}
