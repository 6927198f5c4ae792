import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { request } from 'node:https'
import { promisify } from 'node:util'
import t from 'tap'
import { app } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openPostgres } from '../src/db/postgres.js'
import { buildServer } from '../src/server-options.js'

const run = promisify(execFile)
// Nothing listens on port 9: lookups fail, which is all these tests need.
const database = openPostgres({ url: 'postgres://nobody@127.0.0.1:9/none' })
t.teardown(() => database.close())

t.test('HTTPS when a certificate is given', async (t) => {
  const dir = t.testdir({})
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`])
  const config = loadConfig({ TLS_CERT_FILE: `${dir}/cert.pem`, TLS_KEY_FILE: `${dir}/key.pem` })
  const fastify = buildServer({ logLevel: 'silent', tls: config.tls })
  await fastify.register(app, { database, config })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => fastify.close())
  const { port } = fastify.server.address() as { port: number }
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', ca: config.tls?.cert, servername: 'localhost' }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => resolve(text))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(body, '{"status":"ok"}', 'served over TLS, verified against its certificate')
})

t.test('a half-sent request does not hold its socket', async (t) => {
  const fastify = buildServer({ logLevel: 'silent', tls: undefined }, { headersTimeoutMs: 300, requestTimeoutMs: 600 })
  await fastify.register(app, { database, config: loadConfig({}) })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => fastify.close())
  const { port } = fastify.server.address() as { port: number }
  const closedAfter = async (first: string): Promise<{ ms: number; answer: string }> => {
    const socket = connect(port, '127.0.0.1')
    const started = Date.now()
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
    socket.write(first)
    await new Promise<void>((resolve) => socket.on('close', () => resolve()))
    return { ms: Date.now() - started, answer }
  }
  const silent = await closedAfter('')
  t.ok(silent.ms < 2000, `a connection that sends nothing: closed after ${silent.ms} ms`)
  const headers = await closedAfter('POST /freeswitch HTTP/1.1\r\nHost: x\r\n')
  t.ok(headers.ms < 2000, `headers never finished: closed after ${headers.ms} ms`)
  t.match(headers.answer, /^HTTP\/1\.1 408/, 'with 408 Request Timeout')
  const body = await closedAfter('POST /freeswitch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nhostname=vm')
  t.ok(body.ms < 2000, `body never finished: closed after ${body.ms} ms`)
  t.match(body.answer, /^HTTP\/1\.1 408/)
})
