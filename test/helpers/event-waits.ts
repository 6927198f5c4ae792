import type { FakeEventSocket, SentEvent } from './fake-event-socket.js'

/**
 * How long a check waits for an event on the fake event socket: the
 * positive checks (FakeEventSocket.waitFor's default) and the negative ones
 * (sentWithin) alike, so "nothing was sent" means nothing within the time
 * something would have been.
 */
export const EVENT_WAIT_MS = 3000

/**
 * The events `fake` sent from index `since` (default: now) until
 * `timeoutMs` has passed, returned early as soon as there is one. For
 * checks that nothing is sent: `[]` only after the full wait.
 */
export async function sentWithin(fake: FakeEventSocket, since = fake.sent.length, timeoutMs = EVENT_WAIT_MS): Promise<SentEvent[]> {
  await fake.waitFor((sent) => sent.length > since, timeoutMs).catch(() => undefined)
  return fake.sent.slice(since)
}
