/**
 * Whether a plan's dates and quantities are believable. The funders' figures (activities held,
 * venue-hours, points) are summed from plans, so a plan in the past, one lasting weeks, a venue
 * booked longer than the activity or points beyond the programme's rules is refused where it
 * enters, naming the field.
 *
 * Pure: the bounds come from config and the clock and the cycle from the caller, so the API can
 * check before it starts or updates a workflow, and the workflow's own validators stay as they
 * are (their histories replay untouched).
 */
import type { Plan, PointsRules } from './schemas';

/** The configured limits (config/: PLAN_MAX_DURATION, POINTS_MAX_ATTENDANCE, POINTS_MAX_PER_VOLUNTEER_HOUR). */
export interface PlanBounds {
  maxDurationMs: number;
  maxAttendancePoints: number;
  maxPointsPerVolunteerHour: number;
}

/** One refused field, in the API's error shape (`details: [{ field, message }]`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/** When a plan is checked: now, how long before its start check-in opens, and its cycle's period. */
export interface ScheduleContext {
  nowMs: number;
  checkInOpensBeforeMs: number;
  /** Absent only for an activity whose cycle is not on record (started before cycles were checked). */
  cycle?: { id: string; periodStart: string; periodEnd: string };
}

const HOUR_MS = 3_600_000;

function hoursText(ms: number): string {
  const hours = ms / HOUR_MS;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(2)} h`;
}

/** The time span's own checks: not longer than the maximum, and the venue not booked longer than the activity. */
export function durationIssues(
  schedule: { startsAt: string; endsAt: string },
  venueHours: number,
  bounds: PlanBounds,
  fields: { endsAt: string; venueHours: string },
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const lengthMs = Date.parse(schedule.endsAt) - Date.parse(schedule.startsAt);
  if (lengthMs > bounds.maxDurationMs) {
    issues.push({ field: fields.endsAt, message: `an activity may last at most ${hoursText(bounds.maxDurationMs)}; this one lasts ${hoursText(lengthMs)}` });
  }
  issues.push(...venueHoursIssues(schedule, venueHours, fields.venueHours));
  return issues;
}

/** A venue booked no longer than the activity lasts (venue-hours are a funders' figure). */
export function venueHoursIssues(schedule: { startsAt: string; endsAt: string }, venueHours: number, field: string): FieldIssue[] {
  const lengthMs = Date.parse(schedule.endsAt) - Date.parse(schedule.startsAt);
  if (lengthMs <= 0 || venueHours * HOUR_MS <= lengthMs) return [];
  return [{ field, message: `the venue is booked for ${venueHours} h but the activity lasts ${hoursText(lengthMs)}` }];
}

/** Points rules within the programme's bounds. */
export function pointsIssues(rules: Pick<PointsRules, 'attendance' | 'perVolunteerHour'>, bounds: PlanBounds, prefix: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (rules.attendance > bounds.maxAttendancePoints) {
    issues.push({ field: `${prefix}attendance`, message: `at most ${bounds.maxAttendancePoints} points for attending` });
  }
  if (rules.perVolunteerHour > bounds.maxPointsPerVolunteerHour) {
    issues.push({ field: `${prefix}perVolunteerHour`, message: `at most ${bounds.maxPointsPerVolunteerHour} points per volunteer hour` });
  }
  return issues;
}

/** The start's checks against the clock and the cycle: after check-in could open, and within the cycle's period. */
export function startIssues(startsAt: string, context: ScheduleContext, field: string): FieldIssue[] {
  const start = Date.parse(startsAt);
  const issues: FieldIssue[] = [];
  if (start - context.checkInOpensBeforeMs <= context.nowMs) {
    issues.push({
      field,
      message: `must be in the future, more than ${hoursText(context.checkInOpensBeforeMs)} from now (check-in opens that long before the start)`,
    });
  }
  const cycle = context.cycle;
  if (cycle && (start < Date.parse(cycle.periodStart) || start > Date.parse(cycle.periodEnd))) {
    issues.push({ field, message: `must be within incubation cycle ${cycle.id}'s period, ${cycle.periodStart} to ${cycle.periodEnd}` });
  }
  return issues;
}

/** Every check of a whole plan, its fields named under `prefix` (e.g. `plan.`). */
export function planIssues(
  plan: Pick<Plan, 'startsAt' | 'endsAt' | 'venue' | 'pointsRules'>,
  bounds: PlanBounds,
  context: ScheduleContext,
  prefix: string,
): FieldIssue[] {
  return [
    ...startIssues(plan.startsAt, context, `${prefix}startsAt`),
    ...durationIssues(plan, plan.venue.hours, bounds, { endsAt: `${prefix}endsAt`, venueHours: `${prefix}venue.hours` }),
    ...pointsIssues(plan.pointsRules, bounds, `${prefix}pointsRules.`),
  ];
}

/** Every check of a new time for a planned activity (its venue hours stay as planned). */
export function rescheduleIssues(
  schedule: { startsAt: string; endsAt: string },
  venueHours: number,
  bounds: PlanBounds,
  context: ScheduleContext,
): FieldIssue[] {
  return [...startIssues(schedule.startsAt, context, 'startsAt'), ...durationIssues(schedule, venueHours, bounds, { endsAt: 'endsAt', venueHours: 'endsAt' })];
}
