import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { initCluster, startDetached, stopDetached } from '../../src/db/embedded-server.js'
import { TEST_PASSWORD, freePort, testEmbeddedDir } from './embedded.js'

// tap's `before`: a fresh embedded PostgreSQL for this test run.
const dir = testEmbeddedDir()
const cluster = join(dir, 'cluster')
await stopDetached(cluster).catch(() => {}) // left over from an interrupted run
await rm(dir, { recursive: true, force: true })
await mkdir(dir, { recursive: true })
await initCluster(cluster, TEST_PASSWORD, { sync: false })
const port = await freePort()
await startDetached(cluster, port, join(dir, 'server.log'))
await writeFile(join(dir, 'url'), `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:${port}/postgres\n`)
