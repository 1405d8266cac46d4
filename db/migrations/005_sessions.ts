/**
 * Staff sign-in for the dashboard (api/sign-in/routes.ts, api/http/session.ts):
 * - `sessions`: one row per signed-in browser; the cookie carries a random id, the table only its
 *   SHA-256, so a copy of the database signs no one in.
 * - `used_sign_in_tokens`: the SHA-256 of every sign-in link consumed; the primary key makes a
 *   second use fail even when two requests race.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('compound_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('sessions_staff_idx').on('sessions').column('staff_id').execute();

  await db.schema
    .createTable('used_sign_in_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text', (c) => c.notNull())
    /** The link's own expiry: rows past it can be deleted, the token is refused as expired anyway. */
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('used_sign_in_tokens_expires_idx').on('used_sign_in_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('used_sign_in_tokens').ifExists().execute();
  await db.schema.dropTable('sessions').ifExists().execute();
}
