/**
 * The themed activity (主题活动) as data: its stages, what it waits for, what it records and what
 * it hands to its incubation cycle. The workflow, the activities, the store, the reports, the
 * emails and the API all take these shapes from here.
 *
 * Pure: zod-free plain types and string helpers, no I/O, no Node built-ins, no Temporal; the
 * workflow bundle includes it. Everything must survive JSON: times are ISO-8601 strings.
 */
import type { Actor, Plan, SupervisionFeedback } from './schemas';
import {
  TERMINAL,
  WORKING_STAGES,
  type ActivityOutcome,
  type DecisionKind,
  type Party,
  type PendingActionKind,
  type Stage,
  type WorkingStage,
} from './vocabulary';

export { TERMINAL, WORKING_STAGES };
export type { DecisionKind, Stage, WorkingStage };

/** The seven working stages in order (the vocabulary's list, under the name the code has always used). */
export const STAGES = WORKING_STAGES;

/** Stages in which the plan may still change or the activity be cancelled or rescheduled. */
export const BEFORE_APPROVAL: readonly Stage[] = ['planning', 'venueRequest', 'approval'];
export const BEFORE_ATTENDANCE: readonly Stage[] = ['planning', 'venueRequest', 'approval', 'reminders'];

/**
 * Stages in which a family may register (or join the waitlist): from the plan's approval until the
 * activity has taken place. Before approval the activity may never happen; once rejected,
 * cancelled or over there is nothing to register for. The families' own pages close earlier still,
 * when check-in opens (the attendance window's state).
 */
export const REGISTRATION_STAGES: readonly Stage[] = ['reminders', 'attendance'];

/** Why registration is closed at a stage, for the refusal's wording; undefined while it is open. */
export type RegistrationClosedReason = 'awaitingApproval' | 'rejected' | 'cancelled' | 'over';

/** May a family register at `stage`? The one rule every registration path (staff, links, pages) asks. */
export function registrationClosedReason(stage: string): RegistrationClosedReason | undefined {
  if ((REGISTRATION_STAGES as readonly string[]).includes(stage)) return undefined;
  if ((BEFORE_APPROVAL as readonly string[]).includes(stage)) return 'awaitingApproval';
  if (stage === 'rejected' || stage === 'cancelled') return stage;
  return 'over';
}

/** Failure types an update can be rejected with; the API maps them to HTTP statuses. */
export const RejectionType = {
  /** The input does not fit the schema (400). */
  invalidInput: 'InvalidInput',
  /** The same step already has a decision (409, shows what was recorded). */
  alreadyDecided: 'AlreadyDecided',
  /** The step or round this answers has closed, or the activity is past the point where this is allowed (409). */
  stepClosed: 'StepClosed',
  /** A rule of the process forbids it, e.g. the last allowed round (422). */
  notAllowed: 'NotAllowed',
} as const;

/** When one stage started and (once left) ended. */
export interface StageSpan {
  stage: Stage;
  startedAt: string;
  endedAt?: string;
}

/** Who must do what next, and by when. */
export interface PendingAction {
  role: Party;
  /** Staff or merchant id, where one person is meant. */
  actorId?: string;
  action: PendingActionKind;
  dueAt?: string;
}

/** One entry of the activity's record of decisions (who, when, what, why). */
export interface DecisionRecord {
  kind: DecisionKind;
  /** approval round, or the merchant ask number. */
  round?: number;
  outcome: string;
  by?: Actor;
  at: string;
  comment?: string;
}

/** The venue the activity will use, and who secured it. */
export interface SecuredVenue {
  venueName: string;
  merchantId?: string;
  hours: number;
  source: 'community' | 'merchant' | 'coordinator';
}

/** Running counts of an activity; the attendance figures arrive with the tally. */
export interface ActivityCounts {
  approvalRounds: number;
  merchantsAsked: number;
  remindersSent: number;
  emailsSent: number;
  emailFailures: number;
  participants?: number;
  families?: number;
  volunteers?: number;
  volunteerHours?: number;
  pointsAwarded?: number;
}

/** The supervisor's feedback as recorded. */
export interface FeedbackRecord {
  ratings: SupervisionFeedback['ratings'];
  comment: string;
  by: Actor;
  at: string;
}

/** When check-in opens and closes. */
export interface AttendanceWindow {
  opensAt: string;
  closesAt: string;
}

/** The final count of who came, taken when the attendance window closes. */
export interface AttendanceTally {
  /** People: family members checked in (by the member count given at check-in) plus volunteers. */
  participants: number;
  families: number;
  volunteers: number;
  volunteerHours: number;
}

/** The `status` query's answer: where the activity is and everything it recorded so far. */
export interface ActivityStatus {
  activityId: string;
  cycleId: string;
  compound: string;
  stage: Stage;
  plan: Plan;
  planVersion: number;
  stages: StageSpan[];
  pending?: PendingAction;
  decisions: DecisionRecord[];
  venue?: SecuredVenue;
  approvalRound: number;
  /** The grid worker did not answer in time and the coordinator was asked to decide. */
  approvalEscalated: boolean;
  counts: ActivityCounts;
  attendanceWindow?: AttendanceWindow;
  feedback?: FeedbackRecord;
  cancelled?: { reason: string; by: Actor; at: string };
  /** A step that failed for good and waits to be tried again (hourly, or when a coordinator asks). */
  attention?: NeedsAttention;
}

/** Why an activity is stuck: the step (the activity function that failed), its error, since when. */
export interface NeedsAttention {
  step: string;
  error: string;
  since: string;
  /** When it is tried again by itself. */
  retryAt: string;
}

/** What a finished (or rejected, or cancelled) activity hands to its incubation cycle. */
export interface ActivitySummary {
  activityId: string;
  cycleId: string;
  compound: string;
  title: string;
  theme: string;
  startsAt: string;
  endsAt: string;
  outcome: ActivityOutcome;
  tally: AttendanceTally;
  pointsAwarded: number;
  venueHours: number;
  venue?: SecuredVenue;
  approvalRounds: number;
  /** ms from the first approval request to the final decision, when there was one. */
  approvalTurnaroundMs?: number;
  feedback: FeedbackRecord | 'missing' | null;
  /** Every decision, for the cycle report's turnaround figures and the audit trail. */
  decisions: DecisionRecord[];
}

/** What the database keeps of a running activity, refreshed at every stage change. */
export interface ActivityRecord {
  activityId: string;
  cycleId: string;
  compound: string;
  title: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  stage: string;
  /**
   * When check-in opens and closes for the plan as it stands (recorded at every stage change, so
   * at approval and at every reschedule): the door accepts by these times whether or not a worker
   * is running (checkInWindowOpen). Absent in records written before this field.
   */
  attendanceWindow?: AttendanceWindow;
  /** Set while a step has failed for good and waits; absent (cleared) otherwise. */
  attention?: NeedsAttention | null;
  /**
   * The read model (migration 017): the workflow's status as the `status` query answers it, written
   * at every change so pages and the digest read the database instead of asking each workflow.
   * Absent from runs started before the `read-model` patch.
   */
  status?: ActivityStatus;
  /** The workflow's count of its status writes: a write that lands after a newer one is ignored. */
  statusSeq?: number;
}

/** Stages in which an approved activity's check-in window, once reached, admits people. */
export const CHECK_IN_STAGES: readonly string[] = ['reminders', 'attendance'];

/**
 * The attendance state as people see it now: the workflow's, except that an approved activity
 * whose recorded window has begun is open (and, once the window has ended, closed) although no
 * worker has flipped it — so every page offers what check-in accepts (checkInWindowOpen).
 */
export function attendanceStateNow(
  a: { attendanceState: 'notOpen' | 'open' | 'closed'; stage: string; opensAt: string | null; closesAt: string | null },
  nowIso: string,
): 'notOpen' | 'open' | 'closed' {
  if (a.attendanceState !== 'notOpen') return a.attendanceState;
  if (checkInWindowOpen(a, nowIso)) return 'open';
  return CHECK_IN_STAGES.includes(a.stage) && a.closesAt !== null && nowIso >= a.closesAt ? 'closed' : 'notOpen';
}

/**
 * Whether check-in admits people now. Opened by the workflow: yes, until the workflow closes it
 * (its word on its own clock, which a time-skipping test moves). Not opened: yes when the activity
 * is approved and its recorded window has begun and not ended, by this clock — so the door opens on
 * time while no worker runs across the opening, and a worker that comes back late finds those
 * check-ins and tallies them. Closed: never.
 */
export function checkInWindowOpen(
  a: { attendanceState: string; stage: string; opensAt: string | null; closesAt: string | null },
  nowIso: string,
): boolean {
  if (a.attendanceState === 'closed') return false;
  if (a.attendanceState === 'open') return true;
  return CHECK_IN_STAGES.includes(a.stage) && a.opensAt !== null && a.closesAt !== null && nowIso >= a.opensAt && nowIso < a.closesAt;
}

/** What names a themed activity to a reader (an email, a report's row): no personal data beyond names. */
export interface ActivityHeading {
  activityId: string;
  title: string;
  theme: string;
  compound: string;
  startsAt: string;
  endsAt: string;
  venueName?: string;
}

/** What every email about a themed activity says about it. */
export type ActivitySummaryForEmail = ActivityHeading;

/** Whether a stage is one of the three an activity ends in. */
export function isTerminal(stage: Stage): boolean {
  return (TERMINAL as readonly Stage[]).includes(stage);
}

/** Workflow id for an activity: one workflow per business key. */
export function themedActivityWorkflowId(activityId: string): string {
  return `themed-activity:${activityId}`;
}
