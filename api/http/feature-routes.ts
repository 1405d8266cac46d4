/**
 * What the features' routes share: the role lists, the documented error answers, the compound a
 * property manager or grid worker is bound to, and the activity as its workflow recorded it.
 */
import type { Repositories } from '../../db/repositories';
import { attendanceStateNow, type ActivityRecord } from '../../domain/activity';
import type { StaffRole } from '../../domain/schemas';
import type { StaffPrincipal } from './auth';
import { staffById } from '../people/directory';
import { ErrorBody } from '../activities/schemas';
import { HttpError } from './errors';

export const ALL_STAFF: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator', 'supervisor'];
/** Staff who work a check-in desk or a rewards counter. */
export const DESK_STAFF: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator'];

export const errorDoc = (description: string) => ({ description, schema: { name: 'Error', schema: ErrorBody } });
export const commonErrors = {
  400: errorDoc('Invalid input: each field and why'),
  401: errorDoc('No bearer token, or an unknown one'),
  403: errorDoc('The token’s role is not admitted, or the record is in another compound'),
};

/** The compound a property manager or grid worker is bound to; undefined for coordinators and supervisors. */
export async function boundCompound(repos: Repositories, staff: StaffPrincipal): Promise<string | undefined> {
  if (staff.role !== 'propertyManager' && staff.role !== 'gridWorker') return undefined;
  const compound = staff.compound ?? (await staffById(repos, staff.staffId))?.compound_id ?? undefined;
  if (!compound) throw new HttpError(403, 'Forbidden', 'No compound is on file for you; ask the coordinator to add one to your token or directory entry');
  return compound;
}

/** Refuses (403) a property manager or grid worker acting on a record of another compound. */
export async function assertCompound(repos: Repositories, staff: StaffPrincipal, compound: string | null, what: string): Promise<void> {
  const own = await boundCompound(repos, staff);
  if (own !== undefined && compound !== null && own !== compound) {
    throw new HttpError(403, 'Forbidden', `This ${what} is in compound ${compound}; you serve ${own}`);
  }
}

/** The activity as its workflow recorded it (domain ActivityRecord, keyed by `id`), with its check-in window. */
export interface ActivityRef extends Omit<ActivityRecord, 'activityId' | 'cycleId'> {
  id: string;
  attendanceState: 'notOpen' | 'open' | 'closed';
  attendanceOpensAt: string | null;
  attendanceClosesAt: string | null;
}

/** The activity as recorded by its workflow (`activities` row), or a 404. */
/**
 * The activity, or undefined when none is recorded; an outage (the database not answering) still
 * throws, so a person's page says "try again shortly" (503) instead of "not found".
 */
export async function activityIfRecorded(repos: Repositories, activityId: string): Promise<ActivityRef | undefined> {
  return activityOr404(repos, activityId).catch((err: unknown) => {
    if (err instanceof HttpError && err.status === 404) return undefined;
    throw err;
  });
}

export async function activityOr404(repos: Repositories, activityId: string): Promise<ActivityRef> {
  const row = await repos.activities.findById(activityId);
  if (!row) {
    throw new HttpError(404, 'NotFound', `No activity ${activityId} is recorded for registration and check-in (its workflow records it when it starts)`);
  }
  return {
    id: row.id,
    compound: row.compound_id,
    title: row.title,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    capacity: Number(row.capacity),
    stage: row.stage,
    // As the door sees it now: open by the recorded window even while no worker has opened it.
    attendanceState: attendanceStateNow(
      { attendanceState: row.attendance_state, stage: row.stage, opensAt: row.attendance_opens_at, closesAt: row.attendance_closes_at },
      new Date().toISOString(),
    ),
    attendanceOpensAt: row.attendance_opens_at,
    attendanceClosesAt: row.attendance_closes_at,
  };
}
