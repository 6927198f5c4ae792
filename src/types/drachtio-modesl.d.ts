// The part of drachtio-modesl (plain JavaScript) that presence/event-socket.ts uses.
declare module 'drachtio-modesl' {
  import type { EventEmitter } from 'node:events'

  export class Event {
    constructor(type: string, subclass?: string)
    addHeader(name: string, value: string): void
    getHeader(name: string): unknown
    getBody(): string
    serialize(format?: 'plain' | 'json' | 'xml'): string
  }

  export class Connection extends EventEmitter {
    constructor(host: string, port: number, password: string, ready?: () => void)
    reconnectOpts: { maxAttempts?: number }
    subscribe(events: string[], cb?: () => void): void
    sendEvent(event: Event, cb?: (reply: Event) => void): void
    bgapi(command: string, cb: (event: Event) => void): void
    bgapi(command: string, args: string, cb: (event: Event) => void): void
    disconnect(): void
  }

  const esl: { Connection: typeof Connection; Event: typeof Event }
  export default esl
}
