/**
 * Waiting for something asynchronous (a listener's NOTIFY, a reconnect, a
 * row written by another connection) without sleeping for a fixed time:
 * poll a probe until it gives a value or the deadline passes.
 */
export interface UntilOptions {
  /** Between two probes; default 10 ms. */
  everyMs?: number
  /** What was seen so far, added to the timeout's message. */
  context?: () => string
  /**
   * A probe that throws is tried again until the deadline, and its last
   * error goes into the timeout's message (the e2e harness: a socket that is
   * not up yet). Default: the probe's error fails the wait at once.
   */
  retryErrors?: boolean
}

/**
 * Polls `probe` until it returns something other than undefined or false,
 * and returns that; throws "timed out after <timeoutMs> ms waiting for
 * <what>" when a probe made after `timeoutMs` still has not.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: UntilOptions = {},
): Promise<T> {
  const { everyMs = 10, context, retryErrors = false } = options
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      if (!retryErrors) throw err
      lastError = err
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
      const seen = context === undefined ? '' : `\n${context()}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}${seen}`)
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
