/**
 * The themed-activity workflow's messages and the shapes they return. The API and the tests
 * import these definitions; nobody repeats the names as strings.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  Actor,
  ApprovalDecision,
  Cancellation,
  MerchantAnswer,
  PlanRevision,
  Plan,
  Reschedule,
  SupervisionFeedback,
  VenueAssignment,
} from '../domain/schemas';
import type { AttendanceTally } from '../activities/ports';

export const STAGES = [
  'planning',
  'venueRequest',
  'approval',
  'reminders',
  'attendance',
  'pointsAward',
  'supervisionFeedback',
] as const;
export type WorkingStage = (typeof STAGES)[number];
export type Stage = WorkingStage | 'completed' | 'rejected' | 'cancelled';

/** Stages in which the plan may still change or the activity be cancelled or rescheduled. */
export const BEFORE_APPROVAL: readonly Stage[] = ['planning', 'venueRequest', 'approval'];
export const BEFORE_ATTENDANCE: readonly Stage[] = ['planning', 'venueRequest', 'approval', 'reminders'];

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

export interface StageSpan {
  stage: Stage;
  startedAt: string;
  endedAt?: string;
}

/** Who must do what next, and by when. */
export interface PendingAction {
  role: 'propertyManager' | 'gridWorker' | 'coordinator' | 'supervisor' | 'merchant' | 'families' | 'system';
  /** Staff or merchant id, where one person is meant. */
  actorId?: string;
  action: string;
  dueAt?: string;
}

export type DecisionKind =
  | 'planSubmitted'
  | 'planRevised'
  | 'merchantAnswer'
  | 'merchantNoAnswer'
  | 'venueAssigned'
  | 'approval'
  | 'approvalEscalated'
  | 'rescheduled'
  | 'cancelled'
  | 'feedback'
  | 'feedbackMissing';

export interface DecisionRecord {
  kind: DecisionKind;
  /** approval round, or the merchant ask number. */
  round?: number;
  outcome: string;
  by?: Actor;
  at: string;
  comment?: string;
}

export interface SecuredVenue {
  venueName: string;
  merchantId?: string;
  hours: number;
  source: 'community' | 'merchant' | 'coordinator';
}

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

export interface FeedbackRecord {
  ratings: SupervisionFeedback['ratings'];
  comment: string;
  by: Actor;
  at: string;
}

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
  attendanceWindow?: { opensAt: string; closesAt: string };
  feedback?: FeedbackRecord;
  cancelled?: { reason: string; by: Actor; at: string };
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
  outcome: 'completed' | 'rejected' | 'cancelled';
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

export const statusQuery = defineQuery<ActivityStatus>('status');

export const revisePlanUpdate = defineUpdate<ActivityStatus, [PlanRevision]>('revisePlan');
export const answerVenueRequestUpdate = defineUpdate<DecisionRecord, [MerchantAnswer]>('answerVenueRequest');
export const assignVenueUpdate = defineUpdate<SecuredVenue, [VenueAssignment]>('assignVenue');
export const decideApprovalUpdate = defineUpdate<DecisionRecord, [ApprovalDecision]>('decideApproval');
export const rescheduleUpdate = defineUpdate<ActivityStatus, [Reschedule]>('reschedule');
export const cancelUpdate = defineUpdate<DecisionRecord, [Cancellation]>('cancel');
export const submitFeedbackUpdate = defineUpdate<FeedbackRecord, [SupervisionFeedback]>('submitFeedback');

/** Workflow id for an activity: one workflow per business key. */
export function themedActivityWorkflowId(activityId: string): string {
  return `themed-activity:${activityId}`;
}
