import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import type { Database } from './database.js'
import { wrapPGlite } from './pglite.js'

export interface EmbeddedOptions {
  dataDir: string
  /** TCP port on 127.0.0.1 where psql can connect; 0: no socket. */
  socketPort: number
}

export interface EmbeddedDatabase extends Database {
  /** postgres:// URL of the psql socket, when it is on. */
  readonly socketUrl: string | undefined
}

export class EmbeddedDatabaseBusyError extends Error {
  override name = 'EmbeddedDatabaseBusyError'
}

/**
 * Opens the embedded PGlite database kept under `dataDir`. PGlite is a
 * single-process database: two processes writing the same directory would
 * corrupt it, so a lock file with our pid guards it. While the service runs,
 * other tools (psql, `npm run seed`) reach it through the socket.
 */
export async function openEmbedded(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir)
  const pgDir = join(dataDir, 'pglite')
  await mkdir(pgDir, { recursive: true })
  const lockFile = join(dataDir, 'embedded-db.lock')
  const socketUrl =
    options.socketPort > 0 ? `postgres://postgres@127.0.0.1:${options.socketPort}/postgres?sslmode=disable` : undefined
  await acquireLock(lockFile, socketUrl)

  let pglite: PGlite | undefined
  let socket: PGLiteSocketServer | undefined
  try {
    pglite = await PGlite.create(pgDir)
    if (options.socketPort > 0) {
      // One client at a time: PGlite has one session, and the socket server
      // interleaves clients message by message (unsafe for concurrent
      // extended-protocol queries).
      socket = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: options.socketPort, maxConnections: 1 })
      await socket.start()
    }
  } catch (err) {
    await pglite?.close().catch(() => {})
    await rm(lockFile, { force: true })
    throw err
  }

  const openSocket = socket
  const database = wrapPGlite(pglite, async () => {
    await openSocket?.stop()
    await rm(lockFile, { force: true })
  })
  return { ...database, socketUrl }
}

/** The lock file holds our pid and, for other tools' benefit, the psql socket's URL. */
async function acquireLock(lockFile: string, socketUrl: string | undefined): Promise<void> {
  const content = `${process.pid}\n${socketUrl ?? ''}\n`
  try {
    await writeFile(lockFile, content, { flag: 'wx' })
    return
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const [pidLine = '', holderUrl = ''] = (await readFile(lockFile, 'utf8')).split('\n')
  const holder = Number.parseInt(pidLine, 10)
  if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
    const via = holderUrl ? ` Reach it through its socket instead: DATABASE_URL=${holderUrl}` : ' Stop it first.'
    throw new EmbeddedDatabaseBusyError(`the embedded database in ${dirname(lockFile)} is in use by process ${holder}.${via}`)
  }
  // A stale lock: its process is gone (crash, kill -9).
  await writeFile(lockFile, content)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
