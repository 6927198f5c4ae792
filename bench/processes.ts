import { spawn, type ChildProcess } from 'node:child_process'
import { openSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

/** A server process of the benchmark, pinned to one core where taskset exists. */
export interface Server {
  name: string
  url: string
  pid: number
  stop(): Promise<void>
}

export function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return process.platform === 'linux' ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]
}

/** Starts `node script` on `core` and waits until `/healthz` (or a "listening" line) says it is up. */
export async function startServer(
  name: string,
  script: string[],
  env: Record<string, string>,
  port: number,
  logFile: string,
  core = 0,
): Promise<Server> {
  const log = openSync(logFile, 'a')
  const [command, args] = pinned(core, process.execPath, script)
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', log, log] })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}); see ${logFile}`)
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok || r.status === 404, () => false)
    if (ok) break
    if (Date.now() > deadline) throw new Error(`${name} did not start; see ${logFile}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    name,
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
export async function memoryOf(pid: number): Promise<{ peakMiB: number; rssMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return { peakMiB: Math.round(kb('VmHWM') / 1024), rssMiB: Math.round(kb('VmRSS') / 1024) }
}

/** Prints a service log's warnings and errors (pino levels 40-60): they explain slow figures (a failed write, a lost listener). */
export async function printWarnings(logFile: string): Promise<void> {
  const warnings = (await readFile(logFile, 'utf8')).split('\n').filter((l) => /"level":(40|50|60)/.test(l))
  for (const line of warnings.slice(0, 5)) console.log(`service: ${line}`)
  if (warnings.length > 5) console.log(`service: ... ${warnings.length - 5} more warnings`)
}

/** Runs `work` on every item once, `concurrency` at a time (a warm-up that reaches every body, however slow the machine). */
export async function eachOnce<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i)
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}
