/**
 * The read model (issue 13, item 4): the themed-activity workflow writes where it stands — its
 * status as the `status` query would answer it, and the pending action (who, what, by when) in
 * columns the overview and the digest sort and filter on — at every change, so no page or digest
 * asks a workflow per activity.
 *
 * - `status_json`: JSON of domain/activity.ts ActivityStatus; NULL until the workflow (or, for a
 *   run started before this change, the first page that asked it once) wrote it.
 * - `status_seq`: the workflow's own write counter; a write older than the stored one is ignored,
 *   since two of its writes may land in either order.
 * - `pending_*`: the pending action, NULL when nobody is waited on; `stage_since`: when the stage began.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('activities')
    .addColumn('status_json', 'text')
    .execute();
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  for (const column of ['pending_role', 'pending_actor_id', 'pending_action', 'pending_due_at', 'stage_since']) {
    await db.schema.alterTable('activities').addColumn(column, 'text').execute();
  }
  await db.schema.alterTable('activities').addColumn('status_seq', 'integer').execute();
  // The overview pages through activities by cycle and start; the waiting list by what is due.
  await db.schema.createIndex('activities_cycle_start_idx').on('activities').columns(['cycle_id', 'starts_at', 'id']).execute();
  await db.schema.createIndex('activities_pending_due_idx').on('activities').columns(['pending_action', 'pending_due_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('activities_pending_due_idx').execute();
  await db.schema.dropIndex('activities_cycle_start_idx').execute();
  for (const column of ['status_seq', 'stage_since', 'pending_due_at', 'pending_action', 'pending_actor_id', 'pending_role', 'status_json']) {
    await db.schema.alterTable('activities').dropColumn(column).execute();
  }
}
