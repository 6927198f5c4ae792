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
