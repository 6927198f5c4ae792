/**
 * The machine's ceiling: the same Fastify server as the service
 * (src/server-options.ts: logger, timeouts, the same body parser and route
 * path), answering each request with the very bytes the service answers it
 * with, looked up in memory by the request's body: no parsing of the
 * lookup, no database, no rendering. argv: PORT, the answers file (JSON
 * lines [body, status, payload]).
 */
import { readFileSync } from 'node:fs'
import { buildServer } from '../src/server-options.js'

const [port = '0', answersFile = ''] = process.argv.slice(2)
const answers = new Map<string, { status: number; payload: string }>()
for (const line of readFileSync(answersFile, 'utf8').trim().split('\n')) {
  const [body, status, payload] = JSON.parse(line) as [string, number, string]
  answers.set(body, { status, payload })
}

const fastify = buildServer({ logLevel: 'info', tls: undefined })
fastify.removeAllContentTypeParsers()
fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body))
fastify.post('/freeswitch', async (req, reply) => {
  const answer = answers.get(req.body as string)
  if (answer === undefined) return reply.code(500).send('no answer recorded for this body\n')
  return reply.code(answer.status).type('text/xml; charset=utf-8').send(answer.payload)
})
await fastify.listen({ host: '127.0.0.1', port: Number(port) })
process.stdout.write(`listening ${(fastify.server.address() as { port: number }).port}\n`)
