/** Who is who, from the directory (the db `staff` table), for starting activities and for links. */
import type { Kysely } from 'kysely';
import type { Contact, StaffRole } from '../domain/schemas';
import { ROLE_TERMS, inSentence, label } from '../domain/vocabulary';
import type { Database, StaffTable } from '../db/types';

export type StaffRow = StaffTable;

export async function staffById(db: Kysely<Database>, id: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The first staff member (by id) of a role, in a compound when given. */
export async function firstStaff(db: Kysely<Database>, role: StaffRole, compound?: string): Promise<StaffRow | undefined> {
  let q = db.selectFrom('staff').selectAll().where('role', '=', role);
  if (compound !== undefined) q = q.where('compound_id', '=', compound);
  return q.orderBy('id').limit(1).executeTakeFirst();
}

export function contactOf(row: StaffRow): Contact {
  return { id: row.id, name: row.name, email: row.email, locale: row.locale };
}

export const ROLE_LABEL: Record<StaffRole, string> = {
  propertyManager: inSentence(label(ROLE_TERMS, 'propertyManager', 'en'), 'en'),
  gridWorker: inSentence(label(ROLE_TERMS, 'gridWorker', 'en'), 'en'),
  coordinator: inSentence(label(ROLE_TERMS, 'coordinator', 'en'), 'en'),
  supervisor: inSentence(label(ROLE_TERMS, 'supervisor', 'en'), 'en'),
};
