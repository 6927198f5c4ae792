import { execFile } from 'node:child_process'
import { appendFile, chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import { initCluster, serverAccount, startServer } from '../../src/db/embedded-server.js'
import { freePort } from '../setup/embedded.js'

const run = promisify(execFile)

/**
 * A real primary and a hot standby streaming from it, both from the embedded
 * PostgreSQL binaries: the standby is a copy of the primary's cluster, made
 * while it is stopped, told where its primary is. Stopped when `t` ends.
 */
export async function primaryAndStandby(t: Test): Promise<{ primaryUrl: string; standbyUrl: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ffm-replica-'))
  await chmod(dir, 0o755)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const password = 'replica-test'
  const primary = join(dir, 'primary')
  const standby = join(dir, 'standby')
  await initCluster(primary, password, { sync: false })
  await run('cp', ['-a', primary, standby])
  const [primaryPort, standbyPort] = [await freePort(), await freePort()]
  const account = await serverAccount()
  const own = async (file: string) => {
    if (account) await chown(file, account.uid, account.gid)
  }
  await writeFile(join(standby, 'standby.signal'), '')
  await own(join(standby, 'standby.signal'))
  await appendFile(join(standby, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres password=${password}'\n`)
  const first = await startServer({ clusterDir: primary, port: primaryPort })
  t.teardown(() => first.stop())
  const second = await startServer({ clusterDir: standby, port: standbyPort })
  t.teardown(() => second.stop())
  const url = (port: number) => `postgres://postgres:${password}@127.0.0.1:${port}/postgres`
  return { primaryUrl: url(primaryPort), standbyUrl: url(standbyPort) }
}
