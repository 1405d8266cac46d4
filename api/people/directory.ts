/** Who is who, from the directory (the db `staff` table), for starting activities and for links. */
import type { Contact, StaffRole } from '../../domain/schemas';
import { ROLE_TERMS, inSentence, label } from '../../domain/vocabulary';
import type { Repositories, StaffRow } from '../../db/repositories';

export type { StaffRow };

export async function staffById(repos: Repositories, id: string): Promise<StaffRow | undefined> {
  return repos.staff.findById(id);
}

/** The first staff member (by id) of a role, in a compound when given. */
export async function firstStaff(repos: Repositories, role: StaffRole, compound?: string): Promise<StaffRow | undefined> {
  return repos.staff.findFirstOfRole(role, compound);
}

/**
 * Why named recipients may not receive a new activity: each deactivated one, by name, id and the
 * field that named them. `firstStaff` never picks a deactivated member; this covers the ones a
 * request names explicitly (`staffById` finds anyone, so links and history keep resolving).
 */
export function deactivatedRecipients(named: readonly (readonly [StaffRow | undefined, string])[]): string[] {
  return named.filter(([row]) => row !== undefined && row.deactivated_at !== null).map(([row, field]) => `${row!.name} (${row!.id}, ${field}) is deactivated in the directory`);
}

/** A staff member as a workflow's input names them: by id, with no email (the sending activity reads it from the directory). */
export function contactOf(row: StaffRow): Contact {
  return { id: row.id, name: row.name, locale: row.locale };
}

export const ROLE_LABEL: Record<StaffRole, string> = {
  propertyManager: inSentence(label(ROLE_TERMS, 'propertyManager', 'en'), 'en'),
  gridWorker: inSentence(label(ROLE_TERMS, 'gridWorker', 'en'), 'en'),
  coordinator: inSentence(label(ROLE_TERMS, 'coordinator', 'en'), 'en'),
  supervisor: inSentence(label(ROLE_TERMS, 'supervisor', 'en'), 'en'),
};
