import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Where the test run's shared embedded PostgreSQL lives: started once by
 * test/setup/start-embedded.ts (tap's `before`), used by every test process
 * (each in a schema of its own), stopped by stop-embedded.ts (`after`). One
 * directory per checkout, so two checkouts can test at once.
 */
export function testEmbeddedDir(): string {
  // Set by the mutation run (test/mutation/run.sh): its test processes run
  // in Stryker's sandboxes, whose working directories differ from the checkout.
  const override = process.env.TEST_EMBEDDED_DIR
  if (override !== undefined && override !== '') return override
  const checkout = createHash('sha1').update(process.cwd()).digest('hex').slice(0, 10)
  return join(tmpdir(), `freeswitch-followme-test-pg-${checkout}`)
}

export const TEST_PASSWORD = 'test-only-password'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
