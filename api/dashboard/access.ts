/**
 * Who sees what on the dashboard:
 * - coordinators: everything;
 * - property managers and grid workers: their own compound's activities and families only;
 * - supervisors: every activity and its feedback, but no family's points (no leaderboard, no
 *   points section), and no report.
 * Email addresses are shown to coordinators only.
 */
import type { StaffSession } from '../http/session';

export type ForbiddenReason = 'otherCompound' | 'report' | 'points' | 'noCompound' | 'coordinatorOnly';

/** Thrown by a page that the viewer may not see; rendered as a 403 page. */
export class DashboardForbidden extends Error {
  override readonly name = 'DashboardForbidden';
  constructor(readonly reason: ForbiddenReason) {
    super(`forbidden: ${reason}`);
  }
}

/** Thrown for an unknown activity or page; rendered as a 404 page. */
export class DashboardNotFound extends Error {
  override readonly name = 'DashboardNotFound';
}

const compoundBound = (v: StaffSession): boolean => v.role === 'propertyManager' || v.role === 'gridWorker';

/** The compound the viewer is limited to, or undefined for all. */
export function compoundScope(v: StaffSession): string | undefined {
  if (!compoundBound(v)) return undefined;
  if (!v.compound) throw new DashboardForbidden('noCompound');
  return v.compound;
}

export function assertActivityVisible(v: StaffSession, compound: string): void {
  const own = compoundScope(v);
  if (own !== undefined && own !== compound) throw new DashboardForbidden('otherCompound');
}

/** Families' points (leaderboard, an activity's points) of `compound`, or of every compound when undefined. */
export function assertFamiliesVisible(v: StaffSession, compound: string | undefined): void {
  if (v.role === 'coordinator') return;
  if (v.role === 'supervisor') throw new DashboardForbidden('points');
  const own = compoundScope(v);
  if (compound === undefined || compound !== own) throw new DashboardForbidden('otherCompound');
}

export function canSeePoints(v: StaffSession): boolean {
  return v.role !== 'supervisor';
}

export function canSeeReport(v: StaffSession): boolean {
  return v.role === 'coordinator';
}

export function assertReportVisible(v: StaffSession): void {
  if (!canSeeReport(v)) throw new DashboardForbidden('report');
}

/** The Temporal UI has no sign-in of its own: only coordinators get a link to it. */
export function canSeeTemporalUi(v: StaffSession): boolean {
  return v.role === 'coordinator';
}

/** Pages that only coordinators use (API tokens). */
export function assertCoordinator(v: StaffSession): void {
  if (v.role !== 'coordinator') throw new DashboardForbidden('coordinatorOnly');
}

export function canSeeEmailAddresses(v: StaffSession): boolean {
  return v.role === 'coordinator';
}
