import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

// Coverage counts every file under src/. tap measures only the files a test
// process loads (c8 without `all`), so a module no test imports would be
// missing from the figure instead of counting as uncovered. This loads every
// module; the ones that act as they load (the service and the CLIs) are run
// as processes instead (test/server*.test.ts, test/cli/commands.test.ts),
// which tap's loader also measures.

/** Modules that start something when loaded: run as processes by their tests. */
const ENTRY_POINTS = ['src/cli/explain.ts', 'src/cli/migrate.ts', 'src/cli/portal-password.ts', 'src/cli/seed.ts', 'src/cli/status.ts', 'src/server.ts']
/** Modules of types only: nothing at run time (and nothing to cover). */
const TYPES_ONLY = ['src/db/database.ts', 'src/db/schema.ts']

async function sources(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sources(path)))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(relative(process.cwd(), path))
  }
  return out.sort()
}

t.test('every module under src/ loads, and exports what it is for', async (t) => {
  const files = await sources('src')
  t.ok(files.length > 50, `${files.length} modules`)
  for (const entry of ENTRY_POINTS) t.ok(files.includes(entry), `${entry} exists (run as a process by its test)`)
  for (const file of files.filter((f) => !ENTRY_POINTS.includes(f))) {
    const module = (await import(pathToFileURL(join(process.cwd(), file)).href)) as Record<string, unknown>
    if (TYPES_ONLY.includes(file)) t.strictSame(Object.keys(module), [], `${file} loads: types only`)
    else t.ok(Object.keys(module).length > 0, `${file} loads and exports something`)
  }
})
