import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { stopDetached } from '../../src/db/embedded-server.js'
import { testEmbeddedDir } from './embedded.js'

// tap's `after`: stop the run's embedded PostgreSQL and remove it.
const dir = testEmbeddedDir()
await stopDetached(join(dir, 'cluster'))
await rm(dir, { recursive: true, force: true })
