import { randomUUID } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'

/**
 * A stand-in for FreeSWITCH's mod_event_socket (inbound), speaking its text
 * protocol: auth/request, `auth <password>`, `event json <names>`,
 * `sendevent <name>` with header lines, command/reply answers, and events
 * sent as text/event-json with a Content-Length (mod_event_socket.c).
 * It records every sendevent.
 */
export interface SentEvent {
  name: string
  headers: Record<string, string>
}

export class FakeEventSocket {
  readonly sent: SentEvent[] = []
  private server: Server | undefined
  private readonly clients = new Map<Socket, { authed: boolean; subscribed: Set<string> }>()
  port = 0

  constructor(private readonly password = 'ClueCon') {}

  async start(port = 0): Promise<number> {
    const server = createServer((socket) => this.accept(socket))
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    this.server = server
    this.port = (server.address() as { port: number }).port
    return this.port
  }

  /** Closes the listener and every connection: FreeSWITCH going away. */
  async stop(): Promise<void> {
    for (const socket of this.clients.keys()) socket.destroy()
    this.clients.clear()
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)))
    this.server = undefined
  }

  get subscribers(): number {
    return [...this.clients.values()].filter((c) => c.authed && c.subscribed.size > 0).length
  }

  /** Sends an event to every client subscribed to its Event-Name. */
  emit(headers: Record<string, string>): void {
    const body = JSON.stringify(headers)
    for (const [socket, client] of this.clients) {
      if (client.authed && (client.subscribed.has(headers['Event-Name'] ?? '') || client.subscribed.has('ALL'))) {
        socket.write(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-json\n\n${body}`)
      }
    }
  }

  async waitFor(predicate: (events: SentEvent[]) => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate(this.sent)) {
      if (Date.now() > deadline) throw new Error(`timed out; sent so far: ${JSON.stringify(this.sent)}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  private accept(socket: Socket): void {
    const client = { authed: false, subscribed: new Set<string>() }
    this.clients.set(socket, client)
    socket.on('close', () => this.clients.delete(socket))
    socket.on('error', () => {})
    socket.write('Content-Type: auth/request\n\n')
    let buffer = ''
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8')
      let end: number
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const message = buffer.slice(0, end).replace(/^\n+/, '')
        buffer = buffer.slice(end + 2)
        if (message !== '') this.handle(socket, client, message)
      }
    })
  }

  private handle(socket: Socket, client: { authed: boolean; subscribed: Set<string> }, message: string): void {
    const [command = '', ...lines] = message.split('\n')
    const reply = (text: string) => socket.write(`Content-Type: command/reply\nReply-Text: ${text}\n\n`)
    if (command.startsWith('auth ')) {
      if (command.slice(5) === this.password) {
        client.authed = true
        reply('+OK accepted')
      } else {
        reply('-ERR invalid')
        socket.end('Content-Type: text/disconnect-notice\nContent-Length: 0\n\n')
      }
      return
    }
    if (!client.authed) return void reply('-ERR command not found')
    if (command.startsWith('event ')) {
      for (const name of command.split(' ').slice(2)) client.subscribed.add(name)
      return void reply(`+OK event listener enabled ${command.split(' ')[1]}`)
    }
    if (command.startsWith('sendevent ')) {
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(': ')
        if (colon > 0) headers[line.slice(0, colon)] = line.slice(colon + 2)
      }
      this.sent.push({ name: command.slice('sendevent '.length), headers })
      return void reply(`+OK ${randomUUID()}`)
    }
    reply('-ERR command not found')
  }
}
