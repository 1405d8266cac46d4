/**
 * The checks a plan or a new time must pass before the API hands it to a workflow: the pure
 * rules of domain/plan-checks.ts, given the configured bounds, the clock and the cycle on record.
 * They run here, not in the workflow's validators, so the workflow code (and its replayed
 * histories) stays as it is. A failure is a 400 InvalidInput naming each field.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import type { ActivityStatus } from '../../domain/activity';
import { planIssues, rescheduleIssues, venueHoursIssues, type FieldIssue, type ScheduleContext } from '../../domain/plan-checks';
import type { Plan } from '../../domain/schemas';
import { statusQuery } from '../../workflows/themed-activity.api';
import { HttpError } from '../http/errors';

export interface PlanCheckDeps {
  config: Pick<Config, 'timings' | 'planBounds'>;
  repos: Pick<Repositories, 'cycles'>;
  /** The clock, in ms (tests leave it to Date.now). */
  now?: () => number;
}

function refuse(issues: FieldIssue[]): void {
  if (issues.length === 0) return;
  throw new HttpError(400, 'InvalidInput', `Invalid request body: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
}

async function contextFor(deps: PlanCheckDeps, cycleId: string, required: boolean): Promise<ScheduleContext> {
  const cycle = await deps.repos.cycles.get(cycleId);
  // A new activity must name a cycle on record; one started before that rule keeps its own.
  if (!cycle && required) refuse([{ field: 'cycleId', message: `no incubation cycle ${cycleId} is on record; start the cycle first (POST /api/cycles)` }]);
  return {
    nowMs: (deps.now ?? Date.now)(),
    checkInOpensBeforeMs: deps.config.timings.attendanceOpensBeforeMs,
    ...(cycle ? { cycle: { id: cycle.id, periodStart: cycle.periodStart, periodEnd: cycle.periodEnd } } : {}),
  };
}

/** A new activity's plan: its cycle on record, its start ahead and within the cycle, its length, venue hours and points in bounds. */
export async function assertNewPlanAcceptable(deps: PlanCheckDeps, cycleId: string, plan: Plan): Promise<void> {
  const context = await contextFor(deps, cycleId, true);
  refuse(planIssues(plan, deps.config.planBounds, context, 'plan.'));
}

/** A revised plan, checked as a new one against the activity's cycle. */
export async function assertRevisedPlanAcceptable(deps: PlanCheckDeps, handle: WorkflowHandle, plan: Plan): Promise<void> {
  const status: ActivityStatus = await handle.query(statusQuery);
  refuse(planIssues(plan, deps.config.planBounds, await contextFor(deps, status.cycleId, false), 'plan.'));
}

/** A new time for the activity: ahead, within its cycle, not too long, and not shorter than its venue is booked for. */
export async function assertRescheduleAcceptable(deps: PlanCheckDeps, handle: WorkflowHandle, schedule: { startsAt: string; endsAt: string }): Promise<void> {
  const status: ActivityStatus = await handle.query(statusQuery);
  const venueHours = status.venue?.hours ?? status.plan.venue.hours;
  refuse(rescheduleIssues(schedule, venueHours, deps.config.planBounds, await contextFor(deps, status.cycleId, false)));
}

/** A venue the coordinator assigns may not be booked longer than the activity lasts. */
export async function assertVenueAssignmentAcceptable(handle: WorkflowHandle, hours: number): Promise<void> {
  const status: ActivityStatus = await handle.query(statusQuery);
  refuse(venueHoursIssues(status.plan, hours, 'hours'));
}
