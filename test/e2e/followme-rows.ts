/**
 * The Follow Me rows followme.e2e.ts writes and reads back with SQL, as an
 * operator would: extension 100's follow_me row and its destinations.
 */
import { sql, type Kysely } from 'kysely'
import type { DB } from '../../src/db/schema.js'
import { DOMAIN } from './world.js'

export interface FollowMeRows {
  enabled?: boolean
  strategy: 'sequential' | 'simultaneous'
  ringFirstS: number
  destinations: Array<{ extension: string; delayS: number; ringS: number; confirm?: boolean }>
}

/** Replaces extension 100's Follow Me (the row and its destinations). */
export async function setFollowMe(db: Kysely<DB>, rows: FollowMeRows): Promise<void> {
  const ext100 = sql`(SELECT e.id FROM extensions e JOIN domains d ON d.id = e.domain_id WHERE d.name = ${DOMAIN} AND e.extension = '100')`
  await sql`DELETE FROM follow_me WHERE extension_id = ${ext100}`.execute(db)
  await sql`
    INSERT INTO follow_me (extension_id, enabled, strategy, ring_extension_first_s, no_answer_action)
    VALUES (${ext100}, ${rows.enabled ?? true}, ${rows.strategy}, ${rows.ringFirstS}, 'hangup')`.execute(db)
  let position = 0
  for (const d of rows.destinations) {
    await sql`
      INSERT INTO follow_me_destinations (extension_id, position, kind, target, delay_s, ring_for_s, confirm)
      VALUES (${ext100}, ${++position}, 'extension', ${d.extension}, ${d.delayS}, ${d.ringS}, ${d.confirm ?? false})`.execute(db)
  }
}

/** Extension 100's follow_me.enabled (undefined: no row). */
export async function followMeEnabled(db: Kysely<DB>): Promise<boolean | undefined> {
  const { rows } = await sql<{ enabled: boolean }>`
    SELECT f.enabled FROM follow_me f JOIN extensions e ON e.id = f.extension_id WHERE e.extension = '100'`.execute(db)
  return rows[0]?.enabled
}
