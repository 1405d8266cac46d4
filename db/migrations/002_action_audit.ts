/**
 * The audit trail of decisions made from action links (api/links/routes.ts): one row per decision
 * POST, whatever its outcome. Append-only by use; the API never updates or deletes rows.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('action_audit')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('recipient_key', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('action_audit_outcome_check', sql`outcome in ('recorded', 'alreadyDecided', 'stepClosed', 'invalid')`)
    .execute();
  await db.schema.createIndex('action_audit_workflow_idx').on('action_audit').columns(['workflow_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('action_audit').execute();
}
