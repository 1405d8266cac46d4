/**
 * Who may make which decision in a workflow. The workflows' update validators refuse anyone else
 * (`NotAllowed`); the API can check the same rule before it sends an update.
 *
 * Pure: no I/O, no Node built-ins, no Temporal. (The dashboard's compound scoping lives in
 * api/dashboard/access.ts for now.)
 */
import type { Actor } from './schemas';

/** Why an approval decision is refused: a grid worker of another compound, or a role that never decides. */
export type ApprovalRefusal = 'otherGridWorker' | 'roleMayNotDecide';

/**
 * Whether `by` may decide the plan's approval: the compound's own grid worker, or the coordinator
 * in their place (after an escalation, or at any time). Null when allowed.
 */
export function approvalRefusal(by: Pick<Actor, 'id' | 'role'>, compoundGridWorkerId: string): ApprovalRefusal | null {
  if (by.role === 'gridWorker' && by.id !== compoundGridWorkerId) return 'otherGridWorker';
  if (by.role !== 'gridWorker' && by.role !== 'coordinator') return 'roleMayNotDecide';
  return null;
}

/** Only the coordinator assigns a venue when no merchant accepted. */
export function mayAssignVenue(role: Actor['role']): boolean {
  return role === 'coordinator';
}

/** Supervision feedback comes from the supervisor, or the coordinator in their place. */
export function mayGiveFeedback(role: Actor['role']): boolean {
  return role === 'supervisor' || role === 'coordinator';
}

/** A cycle's milestones are recorded done by its coordinator or supervisor. */
export function mayRecordMilestone(role: Actor['role']): boolean {
  return role === 'coordinator' || role === 'supervisor';
}
