import net from 'node:net'
import t from 'tap'
import { EventSocket } from '../../src/presence/event-socket.js'

// Stopped while its TCP connection is still being made (the app closing
// while FreeSWITCH is slow to accept): the connection is dropped quietly.
// Before the fix, drachtio-modesl's pending connect callback built its
// parser on the socket disconnect() had nulled, and threw out of a socket
// callback: an uncaught exception that ended the process.

const silent = { info: () => {}, warn: () => {} }

t.test('stopped while connecting: no uncaught exception, no connection left', async (t) => {
  const accepted: net.Socket[] = []
  const server = net.createServer((socket) => {
    accepted.push(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as net.AddressInfo).port

  const uncaught: Error[] = []
  const onUncaught = (err: Error) => uncaught.push(err)
  process.prependListener('uncaughtException', onUncaught)
  t.teardown(() => process.removeListener('uncaughtException', onUncaught))

  for (let i = 0; i < 20; i++) {
    const socket = new EventSocket({ host: '127.0.0.1', port, password: 'ClueCon' }, { events: [], subclasses: [] }, () => {}, () => {}, silent)
    socket.start()
    socket.stop() // before the TCP handshake completes
  }
  await new Promise((r) => setTimeout(r, 500))
  t.strictSame(uncaught.map((e) => e.message), [], 'nothing thrown out of a socket callback')
  t.strictSame(accepted.filter((s) => !s.closed).length, 0, 'every connection the server accepted was closed')
})
