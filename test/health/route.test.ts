import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'

eachDatabase(t, async (t, database) => {
  t.test('GET /healthz is 200 while the database answers', async (t) => {
    const app = await buildApp(t, database)
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ok' })
  })
})
