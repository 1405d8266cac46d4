/**
 * Who may make which decision in a workflow. The workflows' update validators refuse anyone else
 * (`NotAllowed`); the API can check the same rule before it sends an update.
 *
 * Also who may act on which people (compound scope) and who may read a family's points, coupon
 * codes and QR card (role scope): the API's routes ask these rules.
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

/** Property managers and grid workers serve one compound; coordinators and supervisors all of them. */
export function isCompoundBound(role: Actor['role']): boolean {
  return role === 'propertyManager' || role === 'gridWorker';
}

/**
 * Whether staff may act on a person (register, sign up, send a link to, walk in, check in — and
 * so award points to) for an activity of `activityCompound`:
 * - 'sameCompound': the person's compound is the actor's own (compound-bound staff) or the
 *   activity's (coordinator); a volunteer attached to no compound (null) counts as any compound's;
 * - 'crossCompound': a coordinator acting on a person of another compound than the activity's:
 *   allowed, and recorded as such;
 * - 'otherCompound': compound-bound staff acting on a person of another compound: refused.
 */
export type PersonScope = 'sameCompound' | 'crossCompound' | 'otherCompound';

export function personScope(
  actor: { role: Actor['role']; compound: string | undefined },
  activityCompound: string,
  personCompound: string | null,
): PersonScope {
  if (personCompound === null) return 'sameCompound';
  if (isCompoundBound(actor.role)) return personCompound === actor.compound ? 'sameCompound' : 'otherCompound';
  return personCompound === activityCompound ? 'sameCompound' : 'crossCompound';
}

/** A family's ledger (balance, history, redemptions) and a family's or volunteer's QR card: never the supervisor. */
export function mayReadFamilyPoints(role: Actor['role']): boolean {
  return role !== 'supervisor';
}

/**
 * Coupon codes are shown to the family and, at the counter, in the answer to the redemption the
 * desk staff just made (or its retry with the same idempotency key). Staff listing a family's
 * redemptions never see the codes.
 */
export function mayListCouponCodes(role: Actor['role'] | 'family'): boolean {
  return role === 'family';
}

/**
 * Whether a staff link's recipient may still act on an activity of `activityCompound`: a grid
 * worker the directory now lists in another compound may not (the link was theirs for the
 * compound they served). Null when allowed.
 */
export function linkRecipientRefusal(recipient: { role: Actor['role'] | 'merchant'; compound: string | null }, activityCompound: string): 'movedCompound' | null {
  if (recipient.role === 'gridWorker' && recipient.compound !== activityCompound) return 'movedCompound';
  return null;
}
