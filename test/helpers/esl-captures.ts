import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Event socket texts a real FreeSWITCH 1.10.12 sent (test/fixtures/esl/,
 * see its README), cut into frames the way mod_event_socket frames them:
 * header lines, a blank line, then Content-Length bytes of body.
 */
const DIR = join(process.cwd(), 'test', 'fixtures', 'esl')

export interface Frame {
  headers: Record<string, string>
  body: Buffer
  /** The frame's bytes exactly as captured. */
  raw: Buffer
}

export function capturedFile(name: string): Buffer {
  return readFileSync(join(DIR, name))
}

export function framesOf(stream: Buffer): Frame[] {
  const frames: Frame[] = []
  let at = 0
  while (at < stream.length) {
    const end = stream.indexOf('\n\n', at)
    if (end === -1) break
    const headers: Record<string, string> = {}
    for (const line of stream.subarray(at, end).toString('utf8').split('\n')) {
      const colon = line.indexOf(': ')
      if (colon > 0) headers[line.slice(0, colon)] = line.slice(colon + 2)
    }
    const length = Number(headers['Content-Length'] ?? 0)
    const body = stream.subarray(end + 2, end + 2 + length)
    frames.push({ headers, body, raw: stream.subarray(at, end + 2 + length) })
    at = end + 2 + length
  }
  return frames
}

/** The event frames (text/event-json) of a capture, with their parsed headers. */
export function eventFrames(name: string): Array<{ raw: Buffer; event: Record<string, unknown> }> {
  return framesOf(capturedFile(name))
    .filter((f) => f.headers['Content-Type'] === 'text/event-json')
    .map((f) => ({ raw: f.raw, event: JSON.parse(f.body.toString('utf8')) as Record<string, unknown> }))
}

/** The body of the n-th api/response of a capture, decoded as the client decodes it (UTF-8, invalid bytes as U+FFFD). */
export function apiResponse(name: string, n = 0): string {
  const answers = framesOf(capturedFile(name)).filter((f) => f.headers['Content-Type'] === 'api/response')
  const answer = answers[n]
  if (answer === undefined) throw new Error(`${name} has no api/response #${n}`)
  return answer.body.toString('utf8')
}
