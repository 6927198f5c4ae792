import t from 'tap'
import { BudgetExceededError, withinBudget } from '../src/budget.js'

t.test('work inside the budget passes through, value or error', async (t) => {
  t.equal(await withinBudget(Promise.resolve(7), 50), 7)
  await t.rejects(withinBudget(Promise.reject(new Error('db down')), 50), { message: 'db down' })
})

t.test('work over the budget rejects with BudgetExceededError', async (t) => {
  const slow = new Promise((resolve) => setTimeout(resolve, 500, 'late'))
  await t.rejects(withinBudget(slow, 20), new BudgetExceededError(20))
})
