export class BudgetExceededError extends Error {
  override name = 'BudgetExceededError'
  constructor(readonly budgetMs: number) {
    super(`took longer than ${budgetMs} ms`)
  }
}

/**
 * Settles with `work`, or rejects with BudgetExceededError after `budgetMs`.
 * The work itself is not cancelled (Postgres' statement_timeout stops the
 * query server-side); the caller just stops waiting for it.
 */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceededError(budgetMs)), budgetMs)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

export class WriteDeadlineError extends Error {
  override name = 'WriteDeadlineError'
}

/** Kept between the database giving up and the route giving up. */
const WRITE_MARGIN_MS = 100

/**
 * The lock_timeout / statement_timeout (ms, as text for set_config) that
 * makes a lookup's write commit or roll back before its deadline: a lookup
 * answered 503 (FreeSWITCH falls back, the caller hears nothing) must not
 * change a row later, when a lock it waited for goes.
 */
export function writeLimitMs(deadline: number): string {
  const waitMs = Math.floor(deadline - Date.now() - WRITE_MARGIN_MS)
  if (!(waitMs > 0)) throw new WriteDeadlineError('no time left in the lookup budget to write')
  return String(Math.min(waitMs, 2_147_483_647))
}
