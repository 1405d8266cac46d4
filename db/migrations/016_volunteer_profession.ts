/**
 * Professional volunteers (issue 12, the year report's 专业志愿者): `volunteers.profession`, the
 * volunteer's profession as typed by the coordinator (e.g. 家庭教育指导师), NULL for a volunteer
 * who serves without one. Text rather than a boolean: the year report counts volunteers with a
 * profession, and the directory shows which profession, so one column says both.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('volunteers').addColumn('profession', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('volunteers').dropColumn('profession').execute();
}
