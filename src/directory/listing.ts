/**
 * Dial-by-name: the tenant's extensions as mod_directory reads them from one
 * domain lookup (facts §13, mod_directory.c:531-665). Pure.
 *
 * - Only `<domain><groups><group><users><user>` is walked, and users are read
 *   raw (no group or domain variables inherited), so each user carries all
 *   it needs.
 * - `directory-visible` / `directory-exten-visible` are params; the name is
 *   the variable `directory_full_name` (else `effective_caller_id_name`).
 * - mod_directory splits the full name at its last space: first name before,
 *   last name after (with no space, both are the whole name).
 * - No secret: mod_directory reads none, and this answer is for no other
 *   lookup. allow-empty-password=false all the same: should anything ever
 *   authenticate against this answer, a user with params and no password
 *   would pass (sofia_reg.c:3230-3336, facts §3).
 */
export interface DirectoryListingRow {
  extension: string
  display_name: string | null
  directory_first_name: string | null
  directory_last_name: string | null
  directory_exten_visible: boolean
}

export interface DirectoryListingUser {
  id: string
  params: ReadonlyArray<readonly [name: string, value: string]>
  variables: ReadonlyArray<readonly [name: string, value: string]>
}

/** The group every listed user is in; mod_directory walks every group (unless directory_group_selection is set). */
export const DIRECTORY_GROUP = 'directory'

/**
 * The name dial-by-name searches and says: the overrides, each falling back
 * to its part of display_name (split at the last space, as mod_directory
 * does); undefined when the extension has no name at all (mod_directory
 * would skip it).
 */
export function directoryFullName(row: Pick<DirectoryListingRow, 'display_name' | 'directory_first_name' | 'directory_last_name'>): string | undefined {
  const display = row.display_name?.trim() || undefined
  if (row.directory_first_name === null && row.directory_last_name === null) return display
  const space = display?.lastIndexOf(' ') ?? -1
  const displayFirst = display === undefined ? undefined : space === -1 ? display : display.slice(0, space)
  const displayLast = display === undefined ? undefined : space === -1 ? display : display.slice(space + 1)
  const first = row.directory_first_name ?? displayFirst
  const last = row.directory_last_name ?? displayLast
  return [first, last].filter((part): part is string => part !== undefined && part !== '').join(' ') || undefined
}

/** The users of the answer, and a note for each extension left out. */
export function directoryListing(rows: readonly DirectoryListingRow[]): { users: DirectoryListingUser[]; notes: string[] } {
  const users: DirectoryListingUser[] = []
  const notes: string[] = []
  for (const row of rows) {
    const fullName = directoryFullName(row)
    if (fullName === undefined) {
      notes.push(`extension ${row.extension} has no name (display_name or directory_first_name/directory_last_name): not in the directory`)
      continue
    }
    users.push({
      id: row.extension,
      params: [
        ['allow-empty-password', 'false'],
        ['directory-visible', 'true'],
        ['directory-exten-visible', String(row.directory_exten_visible)],
      ],
      variables: [
        ['directory_full_name', fullName],
        ['effective_caller_id_name', row.display_name ?? fullName],
      ],
    })
  }
  return { users, notes }
}
