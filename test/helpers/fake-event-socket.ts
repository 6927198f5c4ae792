import { randomUUID } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'

/**
 * A stand-in for FreeSWITCH's mod_event_socket (inbound), speaking its text
 * protocol (mod_event_socket.c): `Content-Type: auth/request`, `auth <password>`,
 * `event json <names> [CUSTOM <subclasses>]` (after CUSTOM every word is a
 * subclass, and CUSTOM events go only to who named their subclass, or ALL),
 * `sendevent <name>` with header lines, `bgapi <command>` answered with a
 * command/reply carrying the Job-UUID and later a BACKGROUND_JOB event whose
 * `_body` is the command's output, and events framed as
 * `Content-Length: N\nContent-Type: text/event-json\n\n<N bytes>`.
 * It records every sendevent and every command.
 *
 * Events are the texts a real FreeSWITCH sent (test/fixtures/esl/): `emitFrame`
 * replays a captured frame byte for byte; `emit` sends headers as JSON.
 */
export interface SentEvent {
  name: string
  headers: Record<string, string>
}

interface Client {
  authed: boolean
  events: Set<string>
  subclasses: Set<string>
}

export class FakeEventSocket {
  readonly sent: SentEvent[] = []
  readonly commands: string[] = []
  /** What `bgapi <command>` answers (the BACKGROUND_JOB body); others get "-ERR <command> Command not found!". */
  readonly api = new Map<string, string>()
  /** This node's identity, stamped on BACKGROUND_JOB events (switch_event.c:1985-1990). */
  switchname = 'fs1'
  coreUuid: string = randomUUID()
  private server: Server | undefined
  private readonly clients = new Map<Socket, Client>()
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
    return [...this.clients.values()].filter((c) => c.authed && (c.events.size > 0 || c.subclasses.size > 0)).length
  }

  /** Sends an event (headers as JSON) to every client subscribed to it. */
  emit(headers: Record<string, unknown>): void {
    const body = Buffer.from(JSON.stringify(headers), 'utf8')
    this.emitFrame(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\nContent-Type: text/event-json\n\n`), body]), headers)
  }

  /**
   * Sends a whole frame, byte for byte, to every client subscribed to the
   * event it carries (`headers`: its Event-Name and Event-Subclass, read from
   * the frame when not given).
   */
  emitFrame(frame: Buffer, headers?: Record<string, unknown>): void {
    const meta = headers ?? frameHeaders(frame)
    for (const [socket, client] of this.clients) {
      if (client.authed && (meta === undefined || wants(client, meta))) socket.write(frame)
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
    const client: Client = { authed: false, events: new Set(), subclasses: new Set() }
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

  private handle(socket: Socket, client: Client, message: string): void {
    const [command = '', ...lines] = message.split('\n')
    this.commands.push(command)
    const reply = (text: string, more = '') => socket.write(`Content-Type: command/reply\nReply-Text: ${text}\n${more}\n`)
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
      const [, format = '', ...words] = command.split(' ')
      let custom = false
      for (const word of words) {
        if (word === 'CUSTOM') custom = true
        else if (custom) client.subclasses.add(word)
        else client.events.add(word)
      }
      return void reply(`+OK event listener enabled ${format}`)
    }
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]))
    if (command.startsWith('sendevent ')) {
      this.sent.push({ name: command.slice('sendevent '.length), headers })
      return void reply(`+OK ${randomUUID()}`)
    }
    if (command.startsWith('bgapi ')) {
      const jobUuid = headers['Job-UUID'] ?? randomUUID()
      reply(`+OK Job-UUID: ${jobUuid}`, `Job-UUID: ${jobUuid}\n`)
      const api = command.slice('bgapi '.length)
      const [name = '', ...args] = api.split(' ')
      const answer = this.api.get(api) ?? `-ERR ${name} Command not found!\n`
      setImmediate(() => {
        this.emit({
          'Event-Name': 'BACKGROUND_JOB',
          'Core-UUID': this.coreUuid,
          'FreeSWITCH-Hostname': this.switchname,
          'FreeSWITCH-Switchname': this.switchname,
          'FreeSWITCH-IPv4': '127.0.0.1',
          'Event-Calling-File': 'mod_event_socket.c',
          'Event-Calling-Function': 'api_exec',
          'Job-UUID': jobUuid,
          'Job-Command': name,
          'Job-Command-Arg': args.join(' '),
          'Content-Length': String(Buffer.byteLength(answer)),
          _body: answer,
        })
      })
      return
    }
    reply('-ERR command not found')
  }
}

function wants(client: Client, headers: Record<string, unknown>): boolean {
  if (client.events.has('ALL') || client.events.has('all')) return true
  const name = String(headers['Event-Name'] ?? '')
  if (name === 'CUSTOM') return client.subclasses.has(String(headers['Event-Subclass'] ?? ''))
  return client.events.has(name)
}

/** Event-Name and Event-Subclass of a text/event-json frame; undefined (send to all) when it is no JSON. */
function frameHeaders(frame: Buffer): Record<string, unknown> | undefined {
  const split = frame.indexOf('\n\n')
  const body = frame.subarray(split + 2).toString('utf8')
  try {
    return JSON.parse(body) as Record<string, unknown>
  } catch {
    return undefined
  }
}
