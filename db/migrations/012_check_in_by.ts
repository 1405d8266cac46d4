/**
 * Who checked a person in at the desk: `check_ins.checked_in_by`, the staff member's id (NULL for a
 * family's own link and for rows written before this column). The desk says "already checked in at
 * 09:03 by 李网格" from it. Numbered 012 because 010 and 011 are taken on other branches.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('check_ins').addColumn('checked_in_by', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('check_ins').dropColumn('checked_in_by').execute();
}
