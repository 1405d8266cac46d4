/**
 * Deactivating people and places in the directory without deleting them: `deactivated_at` (an ISO
 * instant, NULL while active) on compounds, families, staff, volunteers, merchants and venues.
 * A timestamp rather than a boolean: it says when, it reads the same in SQLite and PostgreSQL
 * (text, like every other instant here), and NULL is the default every existing row takes.
 * Rows are never deleted, so activities, points and the audit trail keep naming them.
 */
import type { Kysely } from 'kysely';

const TABLES = ['compounds', 'families', 'staff', 'volunteers', 'merchants', 'venues'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema.alterTable(table).addColumn('deactivated_at', 'text').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [...TABLES].reverse()) {
    await db.schema.alterTable(table).dropColumn('deactivated_at').execute();
  }
}
