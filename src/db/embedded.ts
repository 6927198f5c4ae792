import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Database } from './database.js'
import { initCluster, startServer, type RunningServer } from './embedded-server.js'
import { openPostgres, type PostgresOptions } from './postgres.js'

export interface EmbeddedOptions extends Omit<PostgresOptions, 'url'> {
  dataDir: string
  /** TCP port on 127.0.0.1 where the embedded server listens (psql connects there too). */
  port: number
  onServerLog?: (line: string) => void
}

export interface EmbeddedDatabase extends Database {
  /** postgres:// URL of the running server (with its password): psql, the CLIs. */
  readonly url: string
}

export class EmbeddedDatabaseBusyError extends Error {
  override name = 'EmbeddedDatabaseBusyError'
}

/**
 * The files under DATA_DIR:
 * - postgres/: the cluster (owned by the `postgres` account when run as root);
 * - postgres.password: the superuser's password, made at initdb (0600);
 * - embedded-db.url: the URL of the running server, for psql and the CLIs (0600);
 * - embedded-db.lock: the pid of the service that runs it.
 */
export function embeddedPaths(dataDir: string) {
  const dir = resolve(dataDir)
  return {
    dir,
    cluster: join(dir, 'postgres'),
    password: join(dir, 'postgres.password'),
    url: join(dir, 'embedded-db.url'),
    lock: join(dir, 'embedded-db.lock'),
  }
}

/**
 * Starts the embedded PostgreSQL under `dataDir` (creating it the first
 * time) and connects to it. One service per directory: a lock file with our
 * pid refuses a second one; tools reach the running one through
 * embedded-db.url (runningEmbeddedUrl).
 */
export async function openEmbedded(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const paths = embeddedPaths(options.dataDir)
  await mkdir(paths.dir, { recursive: true })
  await acquireLock(paths.lock)
  let server: RunningServer | undefined
  try {
    const password = await clusterPassword(paths.password)
    await initCluster(paths.cluster, password)
    server = await startServer({ clusterDir: paths.cluster, port: options.port, ...(options.onServerLog ? { onLog: options.onServerLog } : {}) })
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`
    await writeFile(paths.url, `${url}\n`, { mode: 0o600 })
    const { dataDir: _d, port: _p, onServerLog: _l, ...postgresOptions } = options
    const database = openPostgres({ ...postgresOptions, url })
    const running = server
    return {
      ...database,
      engine: 'embedded',
      url,
      close: async () => {
        await database.close()
        await running.stop()
        await rm(paths.url, { force: true })
        await rm(paths.lock, { force: true })
      },
    }
  } catch (err) {
    await server?.stop()
    await rm(paths.lock, { force: true })
    throw err
  }
}

/** The URL of the embedded database a live service runs from `dataDir`, if one does. */
export async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  const paths = embeddedPaths(dataDir)
  const holder = await lockHolder(paths.lock)
  if (holder === undefined) return undefined
  const url = (await readFile(paths.url, 'utf8').catch(() => '')).trim()
  return url === '' ? undefined : url
}

async function clusterPassword(file: string): Promise<string> {
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim()
  if (existing !== '') return existing
  const password = randomBytes(18).toString('base64url')
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' })
  return password
}

async function acquireLock(lockFile: string): Promise<void> {
  const content = `${process.pid}\n`
  try {
    await writeFile(lockFile, content, { flag: 'wx' })
    return
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const holder = await lockHolder(lockFile)
  if (holder !== undefined) {
    throw new EmbeddedDatabaseBusyError(
      `the embedded database in ${resolve(lockFile, '..')} is in use by process ${holder}; ` +
        'the npm run commands reach it by themselves, psql with: psql "$(cat ' + join(resolve(lockFile, '..'), 'embedded-db.url') + ')"',
    )
  }
  // A stale lock: its process is gone (crash, kill -9).
  await writeFile(lockFile, content)
}

async function lockHolder(lockFile: string): Promise<number | undefined> {
  const pid = Number.parseInt((await readFile(lockFile, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10)
  return Number.isInteger(pid) && pid !== process.pid && isAlive(pid) ? pid : undefined
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
