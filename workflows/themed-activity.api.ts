/**
 * The themed-activity workflow's Temporal messages. The API and the tests import these
 * definitions; nobody repeats the names as strings.
 *
 * The shapes they carry live in `domain/activity.ts`; they are re-exported here only so that
 * callers importing them from this module keep compiling until they import from `domain/`.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApprovalDecision,
  Cancellation,
  MerchantAnswer,
  PlanRevision,
  Reschedule,
  SupervisionFeedback,
  VenueAssignment,
} from '../domain/schemas';
import type { ActivityStatus, DecisionRecord, FeedbackRecord, SecuredVenue } from '../domain/activity';


export const statusQuery = defineQuery<ActivityStatus>('status');
/** A coordinator asks a stuck activity (status.attention) to try its failed step again now. */
export const retryNowSignal = defineSignal('retryNow');

export const revisePlanUpdate = defineUpdate<ActivityStatus, [PlanRevision]>('revisePlan');
export const answerVenueRequestUpdate = defineUpdate<DecisionRecord, [MerchantAnswer]>('answerVenueRequest');
export const assignVenueUpdate = defineUpdate<SecuredVenue, [VenueAssignment]>('assignVenue');
export const decideApprovalUpdate = defineUpdate<DecisionRecord, [ApprovalDecision]>('decideApproval');
export const rescheduleUpdate = defineUpdate<ActivityStatus, [Reschedule]>('reschedule');
export const cancelUpdate = defineUpdate<DecisionRecord, [Cancellation]>('cancel');
export const submitFeedbackUpdate = defineUpdate<FeedbackRecord, [SupervisionFeedback]>('submitFeedback');
