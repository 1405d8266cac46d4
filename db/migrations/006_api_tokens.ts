/**
 * API bearer tokens a coordinator issues to a member of staff (api/tokens/routes.ts), beside the
 * STAFF_TOKENS of the configuration: they can be revoked and rotated without a restart.
 * - `token_hash` is the SHA-256 (hex) of the token; the token itself is shown once, at issue, and
 *   never stored, so a copy of the database authenticates no one.
 * - A revoked row stays, with who revoked it and when, so the list keeps the history.
 * - `created_by` and `revoked_by` name the coordinator by staff id without a foreign key: a
 *   coordinator of STAFF_TOKENS need not be in the directory.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_staff_idx').on('api_tokens').column('staff_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_tokens').ifExists().execute();
}
