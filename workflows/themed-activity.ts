/**
 * One themed activity, from the property manager's plan to the supervisor's feedback:
 * planning → venueRequest → approval → reminders → attendance → pointsAward → supervisionFeedback
 * → completed, or rejected / cancelled.
 *
 * Deterministic code only: no I/O, no clock but the workflow's, no config. People's decisions
 * arrive as Updates whose validators refuse repeated or stale decisions before anything is
 * written to history; side effects happen in activities.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Actor, Contact, Plan, ThemedActivityInput } from '../domain/schemas';
import {
  ApprovalDecisionCheck,
  CancellationCheck,
  MerchantAnswerCheck,
  PlanRevisionCheck,
  RescheduleCheck,
  SupervisionFeedbackCheck,
  VenueAssignmentCheck,
  issuesOf,
  type Check,
} from '../domain/checks';
import type { Audience, MessageDraft, ThemedActivityActivities } from '../activities';
import {
  BEFORE_APPROVAL,
  BEFORE_ATTENDANCE,
  RejectionType,
  type ActivityCounts,
  type ActivityStatus,
  type ActivitySummary,
  type ActivitySummaryForEmail,
  type AttendanceTally,
  type DecisionRecord,
  type FeedbackRecord,
  type PendingAction,
  type ActivityRecord,
  type NeedsAttention,
  type SecuredVenue,
  type Stage,
  type StageSpan,
} from '../domain/activity';
import { workflowClock } from './clock';
import { approvalRefusal, mayAssignVenue, mayGiveFeedback } from '../domain/access';
import { linkStepOpen } from '../domain/links';
import { BOUNDED_RETRY, RETRY_WITH_BACKOFF } from './activity-retry';
import { incubationCycleWorkflowId } from '../domain/cycle-id';
import { activityChangedSignal } from './incubation-cycle.api';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from './search-attributes';
import {
  answerVenueRequestUpdate,
  assignVenueUpdate,
  cancelUpdate,
  decideApprovalUpdate,
  rescheduleUpdate,
  revisePlanUpdate,
  retryNowSignal,
  statusQuery,
  submitFeedbackUpdate,
} from './themed-activity.api';

export * from './themed-activity.api';

type Steps = Pick<
  ThemedActivityActivities,
  'recordActivity' | 'recordSummary' | 'notify' | 'planFanOut' | 'openAttendance' | 'closeAttendance' | 'releaseRegistrations' | 'awardPoints'
>;

/** What runs started before bounded retries keep: every step retried without end. */
const LEGACY = proxyActivities<ThemedActivityActivities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '30 seconds', retry: RETRY_WITH_BACKOFF });
// Named one by one: the proxy has no own properties to spread.
const LEGACY_STEPS: Steps = {
  recordActivity: LEGACY.recordActivity,
  recordSummary: LEGACY.recordSummary,
  notify: LEGACY.notify,
  planFanOut: LEGACY.planFanOut,
  openAttendance: LEGACY.openAttendance,
  closeAttendance: LEGACY.closeAttendance,
  releaseRegistrations: LEGACY.releaseRegistrations,
  awardPoints: proxyActivities<ThemedActivityActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: RETRY_WITH_BACKOFF }).awardPoints,
};

/**
 * Bounded retries (activity-retry.ts BOUNDED_RETRY), and a heartbeat timeout only on the steps that
 * heartbeat (the sends, the award, the release); a step that still fails makes the activity
 * "need attention" (see `stuck` below) instead of retrying unseen.
 */
const NEEDS_ATTENTION_PATCH = 'bounded-retries-needs-attention';
const QUICK = proxyActivities<ThemedActivityActivities>({ startToCloseTimeout: '1 minute', retry: BOUNDED_RETRY });
const HEARTBEATING = proxyActivities<ThemedActivityActivities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '30 seconds', retry: BOUNDED_RETRY });
const BOUNDED_STEPS: Steps = {
  recordActivity: QUICK.recordActivity,
  recordSummary: QUICK.recordSummary,
  planFanOut: QUICK.planFanOut,
  openAttendance: QUICK.openAttendance,
  closeAttendance: QUICK.closeAttendance,
  notify: HEARTBEATING.notify,
  releaseRegistrations: HEARTBEATING.releaseRegistrations,
  awardPoints: proxyActivities<ThemedActivityActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: BOUNDED_RETRY }).awardPoints,
};
/** A stuck step is tried again by itself this often (or at once when a coordinator asks). */
const ATTENTION_RETRY_MS = 60 * 60_000;

/**
 * A send to a group (a compound's families, the registrants) first asks how many it reaches and
 * how long its attempt may take, and schedules `notify` with that start-to-close timeout instead
 * of two minutes: a thousand families through a slow relay outlasted two minutes per attempt.
 */
const FAN_OUT_TIMEOUT_PATCH = 'fan-out-timeout-from-audience';

/**
 * Outcome evaluation: when the feedback stage opens, the activity's participant survey becomes a
 * round (data, opened by the worker's survey sweeper): ids and times cross, nothing personal. Runs
 * started before this change do not call it. A failure for good skips the survey rather than hold
 * up the supervisor's feedback: the survey is a nicety, the feedback is the stage.
 */
const PARTICIPANT_SURVEY_PATCH = 'participant-survey';
const SURVEY = proxyActivities<ThemedActivityActivities>({ startToCloseTimeout: '1 minute', retry: BOUNDED_RETRY });

/**
 * The read model (migration 017): every row write carries the workflow's status, and the
 * workflow writes it again whenever it is about to wait (or to send a link) with a status that
 * changed since — so the database says where the activity stands, who it waits on and its counts,
 * and no page or digest asks the workflow. Asked at each write, not once at the start: a run
 * started before this change begins writing at its first such point after the deploy.
 */
const READ_MODEL_PATCH = 'read-model';

/**
 * Fewer workflow tasks before each wait: a cached run costs the worker memory for every task it
 * has been through (bench `--only memory`: one extra task before waiting adds about as much as a
 * bare waiting workflow costs in all), and each awaited activity or signal is one more task. So
 * the start writes no row of its own (a stage is entered at once, and that write carries it); a
 * stage's row write and the cycle's signal go out together; and the approval round's pending ask
 * is in the stage's write, so the request needs no second write before its link goes out.
 */
const ONE_WRITE_PER_STAGE_PATCH = 'one-write-per-stage';

/**
 * The read model's row writes run as local activities: a short database upsert, run by the worker
 * inside the workflow task that asks for it, so a write costs no workflow task of its own; each
 * task a cached run has been through costs worker memory (see above). Same retry policy, same
 * needs-attention handling; the needs-attention note itself (recordQuietly) stays an ordinary
 * activity, as it is written only when a step is stuck. The worker that runs this workflow must
 * register recordActivity (worker/create-worker.ts registers workflows and activities together).
 */
const LOCAL_ROW_WRITES_PATCH = 'row-writes-local';
const LOCAL_WRITES = proxyLocalActivities<ThemedActivityActivities>({ startToCloseTimeout: '1 minute', retry: BOUNDED_RETRY });

/** A reminder whose moment passed by more than this (a worker outage, a late reschedule) is skipped, not sent late. */
const REMINDER_LATENESS_TOLERANCE_MS = 10 * 60_000;

/** Thrown inside the workflow when a cancel update lands; caught at the top. */
class ActivityCancelled extends Error {}

type ApprovalOutcome = 'approved' | 'rejected' | 'changesRequested' | 'revised';
type VenueOutcome = 'secured' | 'revised';

export async function themedActivityWorkflow(input: ThemedActivityInput): Promise<ActivitySummary> {
  const { activityId, cycleId, people, timings } = input;
  const workflowId = workflowInfo().workflowId;
  // The workflow's clock (workflows/clock.ts): Date.now(), never behind a timer that has fired.
  const { now, nowIso, conditionFor, sleepFor } = workflowClock();

  // ---- state --------------------------------------------------------------------------------
  let plan: Plan = input.plan;
  let planVersion = 1;
  let stage: Stage = 'planning';
  const stages: StageSpan[] = [{ stage: 'planning', startedAt: nowIso() }];
  let pending: PendingAction | undefined;
  const decisions: DecisionRecord[] = [
    { kind: 'planSubmitted', outcome: 'submitted', by: actorOf(people.propertyManager, 'propertyManager'), at: nowIso() },
  ];
  let venue: SecuredVenue | undefined;
  let approvalRound = 0;
  let firstApprovalRequestedAt: number | undefined;
  let approvalDecidedAt: number | undefined;
  const approvalByRound = new Map<number, DecisionRecord>();
  let approvalEscalated = false;
  /** Set the moment the plan is approved or rejected, before the stage moves on: no revision or cancel may slip in between. */
  let planSettled: 'approve' | 'reject' | undefined;
  /** The plan version that changes were requested on: a revision may land before the stage moves back. */
  let sentBackAtVersion = 0;
  let currentAsk: { attempt: number; merchantId: string; answer?: DecisionRecord } | undefined;
  const answeredAsks = new Map<number, DecisionRecord>();
  let merchantsAsked = 0;
  let venueAssignedByCoordinator: SecuredVenue | undefined;
  let scheduleVersion = 0;
  const sentReminders = new Set<string>();
  const skippedReminders = new Set<string>();
  let remindersSent = 0;
  let emailsSent = 0;
  let emailFailures = 0;
  let attendanceWindow: { opensAt: string; closesAt: string } | undefined;
  let tally: AttendanceTally | undefined;
  let pointsAwarded: number | undefined;
  let feedback: FeedbackRecord | undefined;
  let cancelled: { reason: string; by: Actor; at: string } | undefined;
  /** Who has heard of this activity, so a cancellation or a new time reaches them all. */
  const told = { gridWorker: false, coordinator: false, supervisor: false, registrants: false, merchantIds: new Set<string>() };
  /** A step that failed for good, while it waits to be tried again. */
  let attention: NeedsAttention | undefined;
  let retryRequested = false;
  /** The read model's writes so far (their order), and the status the last one carried. */
  let statusSeq = 0;
  let publishedStatus: string | undefined;
  const bounded = patched(NEEDS_ATTENTION_PATCH);
  const oneWritePerStage = patched(ONE_WRITE_PER_STAGE_PATCH);
  const localWrites = bounded && patched(LOCAL_ROW_WRITES_PATCH);
  const boundedSteps: Steps = localWrites ? { ...BOUNDED_STEPS, recordActivity: LOCAL_WRITES.recordActivity } : BOUNDED_STEPS;
  const { recordActivity, recordSummary, notify, planFanOut, openAttendance, closeAttendance, releaseRegistrations, awardPoints } = bounded ? guarded(boundedSteps) : LEGACY_STEPS;
  setHandler(retryNowSignal, () => {
    retryRequested = true;
  });

  // ---- queries and updates (registered before the first await) -------------------------------
  setHandler(statusQuery, () => status());

  setHandler(
    revisePlanUpdate,
    (revision) => {
      plan = revision.plan;
      planVersion++;
      decisions.push({ kind: 'planRevised', outcome: `version ${planVersion}`, by: revision.by, at: nowIso() });
      return status();
    },
    {
      validator: (revision) => {
        const parsed = parseOrReject(PlanRevisionCheck, revision);
        requireStage(BEFORE_APPROVAL, 'The plan can only be revised until it is approved');
        if (parsed.plan.compound !== plan.compound) {
          reject(RejectionType.notAllowed, 'The compound of an activity cannot change; start a new activity instead');
        }
      },
    },
  );

  setHandler(
    answerVenueRequestUpdate,
    (answer) => {
      const record: DecisionRecord = {
        kind: 'merchantAnswer',
        round: answer.attempt,
        outcome: answer.answer,
        by: { id: answer.merchantId, name: merchantName(answer.merchantId), role: 'merchant' },
        at: nowIso(),
        comment: answer.note ?? '',
      };
      decisions.push(record);
      answeredAsks.set(answer.attempt, record);
      if (currentAsk) currentAsk.answer = record;
      return record;
    },
    {
      validator: (answer) => {
        const parsed = parseOrReject(MerchantAnswerCheck, answer);
        const earlier = answeredAsks.get(parsed.attempt);
        if (earlier) {
          reject(RejectionType.alreadyDecided, `Already recorded: ${earlier.outcome} by ${earlier.by?.name} at ${earlier.at}`, earlier);
        }
        if (!linkStepOpen('venueRequest', parsed.attempt, { stage, approvalRound, merchantAsk: currentAsk?.attempt })) {
          reject(RejectionType.stepClosed, `This venue request is closed; the activity is now at ${stage}`);
        }
        if (currentAsk!.merchantId !== parsed.merchantId) {
          reject(RejectionType.notAllowed, 'This venue request was sent to another merchant');
        }
      },
    },
  );

  setHandler(
    assignVenueUpdate,
    (assignment) => {
      venueAssignedByCoordinator = {
        venueName: assignment.venueName,
        hours: assignment.hours,
        source: 'coordinator',
        ...(assignment.merchantId ? { merchantId: assignment.merchantId } : {}),
      };
      decisions.push({ kind: 'venueAssigned', outcome: assignment.venueName, by: assignment.by, at: nowIso() });
      return venueAssignedByCoordinator;
    },
    {
      validator: (assignment) => {
        const parsed = parseOrReject(VenueAssignmentCheck, assignment);
        if (!mayAssignVenue(parsed.by.role)) reject(RejectionType.notAllowed, 'Only the coordinator can assign a venue');
        requireStage(['venueRequest'], 'A venue can only be assigned while the venue request is open');
        if (pending?.action !== 'assignVenueOrRevisePlan') {
          reject(RejectionType.stepClosed, 'Merchants are still being asked; a venue can be assigned once none has accepted');
        }
      },
    },
  );

  setHandler(
    decideApprovalUpdate,
    (decision) => {
      const record: DecisionRecord = {
        kind: 'approval',
        round: decision.round,
        outcome: decision.decision,
        by: decision.by,
        at: nowIso(),
        comment: decision.comment ?? '',
      };
      decisions.push(record);
      approvalByRound.set(decision.round, record);
      approvalDecidedAt = now();
      if (decision.decision !== 'requestChanges') planSettled = decision.decision;
      else sentBackAtVersion = planVersion;
      return record;
    },
    {
      validator: (decision) => {
        const parsed = parseOrReject(ApprovalDecisionCheck, decision);
        const earlier = approvalByRound.get(parsed.round);
        if (earlier) {
          reject(
            RejectionType.alreadyDecided,
            `Already recorded: ${earlier.outcome} by ${earlier.by?.name} at ${earlier.at}`,
            earlier,
          );
        }
        if (!linkStepOpen('approval', parsed.round, { stage, approvalRound })) {
          reject(RejectionType.stepClosed, `Approval round ${parsed.round} is closed; the activity is now at ${stage}`);
        }
        const refusal = approvalRefusal(parsed.by, people.gridWorker.id);
        if (refusal === 'otherGridWorker') {
          reject(RejectionType.notAllowed, "Only this compound's grid worker can decide");
        }
        if (refusal === 'roleMayNotDecide') {
          reject(RejectionType.notAllowed, 'Only the grid worker, or the coordinator in their place, can decide');
        }
        if (parsed.decision === 'requestChanges' && approvalRound >= timings.maxApprovalRounds) {
          reject(
            RejectionType.notAllowed,
            `This is the last allowed round (${timings.maxApprovalRounds}); approve or reject the plan`,
          );
        }
      },
    },
  );

  setHandler(
    rescheduleUpdate,
    async (change) => {
      const previous = { startsAt: plan.startsAt, endsAt: plan.endsAt };
      plan = { ...plan, startsAt: change.startsAt, endsAt: change.endsAt };
      scheduleVersion++;
      decisions.push({
        kind: 'rescheduled',
        outcome: `${change.startsAt} – ${change.endsAt}`,
        by: change.by,
        at: nowIso(),
        comment: change.reason,
      });
      upsertSearchAttributes([{ key: ActivityStartsAtKey, value: new Date(Date.parse(plan.startsAt)) }]);
      await record();
      await send({
        purpose: 'changeNotice',
        round: `v${scheduleVersion}`,
        audience: everyoneTold(),
        message: {
          purpose: 'changeNotice',
          activity: emailActivity(),
          previousStartsAt: previous.startsAt,
          previousEndsAt: previous.endsAt,
          reason: change.reason,
        },
      });
      return status();
    },
    {
      validator: (change) => {
        const parsed = parseOrReject(RescheduleCheck, change);
        requireStage(BEFORE_ATTENDANCE, 'An activity can only be rescheduled until check-in opens');
        if (Date.parse(parsed.startsAt) - timings.attendanceOpensBeforeMs <= now()) {
          reject(RejectionType.notAllowed, 'The new start is too soon: check-in would already be open');
        }
        if (parsed.startsAt === plan.startsAt && parsed.endsAt === plan.endsAt) {
          reject(RejectionType.notAllowed, 'The activity is already at this time');
        }
      },
    },
  );

  setHandler(
    cancelUpdate,
    (cancellation) => {
      cancelled = { reason: cancellation.reason, by: cancellation.by, at: nowIso() };
      const record: DecisionRecord = {
        kind: 'cancelled',
        outcome: 'cancelled',
        by: cancellation.by,
        at: cancelled.at,
        comment: cancellation.reason,
      };
      decisions.push(record);
      return record;
    },
    {
      validator: (cancellation) => {
        parseOrReject(CancellationCheck, cancellation);
        if (cancelled) {
          reject(RejectionType.alreadyDecided, `Already cancelled by ${cancelled.by.name} at ${cancelled.at}`);
        }
        requireStage(BEFORE_ATTENDANCE, 'An activity can only be cancelled before check-in opens');
      },
    },
  );

  setHandler(
    submitFeedbackUpdate,
    (submitted) => {
      feedback = { ratings: submitted.ratings, comment: submitted.comment ?? '', by: submitted.by, at: nowIso() };
      decisions.push({ kind: 'feedback', outcome: 'submitted', by: submitted.by, at: feedback.at, comment: feedback.comment });
      return feedback;
    },
    {
      validator: (submitted) => {
        const parsed = parseOrReject(SupervisionFeedbackCheck, submitted);
        if (feedback) {
          reject(RejectionType.alreadyDecided, `Already recorded: feedback by ${feedback.by.name} at ${feedback.at}`, feedback);
        }
        if (!linkStepOpen('supervisionFeedback', 1, { stage, approvalRound })) {
          reject(RejectionType.stepClosed, `Supervision feedback is not open; the activity is at ${stage}`);
        }
        if (!mayGiveFeedback(parsed.by.role)) {
          reject(RejectionType.notAllowed, 'Only the supervisor gives supervision feedback');
        }
      },
    },
  );

  // ---- the stages ---------------------------------------------------------------------------
  upsertSearchAttributes([
    { key: ActivityStageKey, value: stage },
    { key: CycleIdKey, value: cycleId },
    { key: CompoundKey, value: plan.compound },
    { key: ActivityStartsAtKey, value: new Date(Date.parse(plan.startsAt)) },
  ]);

  try {
    // Every path from here enters venueRequest or approval before it waits: that write is the first.
    if (!oneWritePerStage) await record();
    let sentBack = false;
    for (;;) {
      if (sentBack) await waitForRevision();
      sentBack = false;
      if ((await venueStage()) === 'revised') continue;
      const outcome = await approvalStage();
      if (outcome === 'approved') break;
      if (outcome === 'rejected') return await finish('rejected');
      sentBack = outcome === 'changesRequested';
    }
    await remindersStage();
    await attendanceStage();
    await pointsAwardStage();
    await supervisionFeedbackStage();
    return await finish('completed');
  } catch (err) {
    if (err instanceof ActivityCancelled) return await finishCancelled();
    throw err;
  }

  // ---- stage bodies -------------------------------------------------------------------------

  /** planning, after changes were requested: wait for the property manager's revision. */
  async function waitForRevision(): Promise<void> {
    await enterStage('planning');
    pending = { role: 'propertyManager', actorId: people.propertyManager.id, action: 'revisePlan' };
    await waitUntil(() => planVersion !== sentBackAtVersion);
  }

  async function venueStage(): Promise<VenueOutcome> {
    const need = plan.venue;
    if (need.kind === 'community') {
      venue = { venueName: need.venueName, hours: need.hours, source: 'community' };
      return 'secured';
    }
    // A revision that keeps the merchant who already accepted, for no more hours, keeps the venue.
    if (venue?.merchantId && venue.hours >= need.hours && need.candidateMerchants.some((m) => m.id === venue!.merchantId)) {
      return 'secured';
    }
    venue = undefined;
    await enterStage('venueRequest');
    const version = planVersion;
    for (const merchant of need.candidateMerchants) {
      const attempt = ++merchantsAsked;
      currentAsk = { attempt, merchantId: merchant.id };
      const answerBy = new Date(now() + timings.merchantAnswerMs).toISOString();
      pending = { role: 'merchant', actorId: merchant.id, action: 'answerVenueRequest', dueAt: answerBy };
      told.merchantIds.add(merchant.id);
      await send({
        purpose: 'venueRequest',
        round: String(attempt),
        audience: [person(merchant, `merchant:${merchant.id}`)],
        message: {
          purpose: 'venueRequest',
          activity: emailActivity(),
          merchantVenueName: merchant.venueName,
          hours: need.hours,
          answerBy,
        },
        action: { step: 'venueRequest', round: attempt, actions: ['accept', 'decline'], expiresAt: answerBy },
      });
      const ask = currentAsk;
      const answered = await waitUntil(() => ask.answer !== undefined || planVersion !== version, timings.merchantAnswerMs);
      currentAsk = undefined;
      if (planVersion !== version) return 'revised';
      if (answered && ask.answer?.outcome === 'accept') {
        venue = { venueName: merchant.venueName, merchantId: merchant.id, hours: need.hours, source: 'merchant' };
        return 'secured';
      }
      if (!answered) {
        decisions.push({
          kind: 'merchantNoAnswer',
          round: attempt,
          outcome: 'noAnswer',
          by: { id: merchant.id, name: merchant.name, role: 'merchant' },
          at: nowIso(),
        });
      }
    }

    // Nobody accepted: the coordinator assigns a venue, or the property manager changes the plan.
    told.coordinator = true;
    await send({
      purpose: 'venueUnavailable',
      round: String(merchantsAsked),
      audience: [person(people.coordinator, `staff:${people.coordinator.id}`), person(people.propertyManager, `staff:${people.propertyManager.id}`)],
      message: { purpose: 'venueUnavailable', activity: emailActivity(), merchantsAsked: need.candidateMerchants.map((m) => m.name) },
    });
    pending = { role: 'coordinator', actorId: people.coordinator.id, action: 'assignVenueOrRevisePlan' };
    venueAssignedByCoordinator = undefined;
    await waitUntil(() => venueAssignedByCoordinator !== undefined || planVersion !== version);
    if (planVersion !== version) return 'revised';
    venue = venueAssignedByCoordinator;
    return 'secured';
  }

  async function approvalStage(): Promise<ApprovalOutcome> {
    // The round opens before the stage is entered: entering awaits the read model's write, and a
    // query (or the read model) that shows the approval stage must also show its round, or a
    // decision sent on seeing it is refused as a closed round.
    const round = ++approvalRound;
    // Patched: the stage is entered once the ask below is set, so its one write carries the ask
    // (a revision landing during that write is then seen by `decided` and starts a new round).
    if (!oneWritePerStage) await enterStage('approval');
    const version = planVersion;
    const requestedAt = now();
    firstApprovalRequestedAt ??= requestedAt;
    approvalEscalated = false;
    const remindAt = new Date(requestedAt + timings.approvalReminderMs).toISOString();
    const escalateAt = new Date(requestedAt + timings.approvalEscalationMs).toISOString();
    const gridWorker = person(people.gridWorker, `staff:${people.gridWorker.id}`);
    const action = {
      step: 'approval' as const,
      round,
      actions: timings.maxApprovalRounds > round ? ['approve', 'reject', 'requestChanges'] : ['approve', 'reject'],
      expiresAt: escalateAt,
    };
    const decided = () => approvalByRound.has(round) || planVersion !== version;

    pending = { role: 'gridWorker', actorId: people.gridWorker.id, action: 'decideApproval', dueAt: remindAt };
    told.gridWorker = true;
    if (oneWritePerStage) await enterStage('approval');
    // Decided already (while the stage was being entered): no request to decide. No history before
    // the round opened ahead of the stage can hold such a decision, so replay is unchanged.
    if (!decided()) await send({
      purpose: 'approvalRequest',
      round: String(round),
      audience: [gridWorker],
      message: {
        purpose: 'approvalRequest',
        activity: emailActivity(),
        round,
        decideBy: remindAt,
        capacity: plan.capacity,
        budget: plan.budget,
        description: plan.description,
      },
      action,
    });

    if (!(await waitUntil(decided, Math.max(0, requestedAt + timings.approvalReminderMs - now())))) {
      pending = { ...pending, dueAt: escalateAt };
      await send({
        purpose: 'approvalReminder',
        round: String(round),
        audience: [gridWorker],
        message: { purpose: 'approvalReminder', activity: emailActivity(), round, decideBy: escalateAt },
        action,
      });
      if (!(await waitUntil(decided, Math.max(0, requestedAt + timings.approvalEscalationMs - now())))) {
        approvalEscalated = true;
        told.coordinator = true;
        decisions.push({ kind: 'approvalEscalated', round, outcome: 'escalated', at: nowIso() });
        pending = { role: 'coordinator', actorId: people.coordinator.id, action: 'decideApproval' };
        await send({
          purpose: 'approvalEscalation',
          round: String(round),
          audience: [person(people.coordinator, `staff:${people.coordinator.id}`)],
          message: {
            purpose: 'approvalEscalation',
            activity: emailActivity(),
            round,
            gridWorkerName: people.gridWorker.name,
            waitingSince: new Date(requestedAt).toISOString(),
          },
          // The coordinator's link lives until the coordinator decides; a week is the product's choice.
          action: { ...action, expiresAt: new Date(now() + 7 * 86_400_000).toISOString() },
        });
        await waitUntil(decided);
      }
    }
    if (planVersion !== version && !approvalByRound.has(round)) return 'revised';
    const decision = approvalByRound.get(round)!;
    await send({
      purpose: 'planDecided',
      round: String(round),
      audience: [person(people.propertyManager, `staff:${people.propertyManager.id}`)],
      message: {
        purpose: 'planDecided',
        activity: emailActivity(),
        round,
        decision: decision.outcome as 'approve' | 'reject' | 'requestChanges',
        comment: decision.comment ?? '',
        decidedBy: decision.by?.name ?? '',
      },
    });
    if (decision.outcome === 'approve') return 'approved';
    if (decision.outcome === 'reject') return 'rejected';
    return 'changesRequested';
  }

  async function remindersStage(): Promise<void> {
    await enterStage('reminders');
    pending = { role: 'families', action: 'register', dueAt: opensAt() };
    told.registrants = true;
    await send({
      purpose: 'registrationOpen',
      round: '1',
      audience: [{ kind: 'compoundFamilies', compound: plan.compound }],
      message: { purpose: 'registrationOpen', activity: emailActivity() },
    });

    for (;;) {
      // Send what is due now; skip what was due too long ago (entered late, or moved by a reschedule).
      for (const offset of timings.reminderOffsetsMs) {
        const key = `${offset}@${plan.startsAt}`;
        const due = Date.parse(plan.startsAt) - offset;
        if (sentReminders.has(key) || skippedReminders.has(key) || due > now()) continue;
        if (now() - due > REMINDER_LATENESS_TOLERANCE_MS || due >= Date.parse(opensAt())) {
          skippedReminders.add(key);
          continue;
        }
        sentReminders.add(key);
        remindersSent++;
        await send({
          purpose: 'reminder',
          round: key,
          audience: [
            { kind: 'registrants', activityId },
            person(people.gridWorker, `staff:${people.gridWorker.id}`),
            ...merchantAudience(),
          ],
          message: { purpose: 'reminder', activity: emailActivity(), leadTimeMs: offset },
        });
      }
      if (now() >= Date.parse(opensAt())) return;
      const nextDue = timings.reminderOffsetsMs
        .map((offset) => ({ key: `${offset}@${plan.startsAt}`, due: Date.parse(plan.startsAt) - offset }))
        .filter((r) => !sentReminders.has(r.key) && !skippedReminders.has(r.key) && r.due > now())
        .reduce((min, r) => Math.min(min, r.due), Date.parse(opensAt()));
      const version = scheduleVersion;
      pending = { role: 'families', action: 'register', dueAt: opensAt() };
      await waitUntil(() => scheduleVersion !== version, Math.max(0, nextDue - now()));
    }
  }

  async function attendanceStage(): Promise<void> {
    await enterStage('attendance');
    attendanceWindow = { opensAt: opensAt(), closesAt: closesAt() };
    await openAttendance(activityId, attendanceWindow);
    pending = { role: 'families', action: 'checkIn', dueAt: attendanceWindow.closesAt };
    await publish();
    await sleepFor(Math.max(0, Date.parse(attendanceWindow.closesAt) - now()));
    tally = await closeAttendance(activityId);
  }

  async function pointsAwardStage(): Promise<void> {
    await enterStage('pointsAward');
    pending = { role: 'system', action: 'awardPoints' };
    const result = await awardPoints({ workflowId, activityId, rules: plan.pointsRules, activity: emailActivity() });
    pointsAwarded = result.pointsAwarded;
    emailsSent += result.notified.sent;
    emailFailures += result.notified.failed.length;
  }

  async function supervisionFeedbackStage(): Promise<void> {
    await enterStage('supervisionFeedback');
    const deadline = now() + timings.feedbackDeadlineMs;
    const feedbackBy = new Date(deadline).toISOString();
    const supervisor = person(people.supervisor, `staff:${people.supervisor.id}`);
    const action = { step: 'supervisionFeedback' as const, round: 1, actions: ['submit'], expiresAt: feedbackBy };
    pending = { role: 'supervisor', actorId: people.supervisor.id, action: 'submitFeedback', dueAt: feedbackBy };
    told.supervisor = true;
    await send({
      purpose: 'feedbackRequest',
      round: '1',
      audience: [supervisor],
      message: { purpose: 'feedbackRequest', activity: emailActivity(), feedbackBy },
      action,
    });
    const remindAt = deadline - timings.feedbackReminderBeforeMs;
    if (patched(PARTICIPANT_SURVEY_PATCH)) {
      try {
        await SURVEY.openParticipantSurvey({ activityId, remindAt: new Date(remindAt).toISOString(), closesAt: feedbackBy });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
      }
    }
    await publish();
    if (!(await conditionFor(() => feedback !== undefined, Math.max(0, remindAt - now())))) {
      await send({
        purpose: 'feedbackReminder',
        round: '1',
        audience: [supervisor],
        message: { purpose: 'feedbackReminder', activity: emailActivity(), feedbackBy },
        action,
      });
      await publish();
      if (!(await conditionFor(() => feedback !== undefined, Math.max(0, deadline - now())))) {
        decisions.push({ kind: 'feedbackMissing', outcome: 'missing', at: nowIso() });
      }
    }
  }

  async function finish(outcome: 'completed' | 'rejected'): Promise<ActivitySummary> {
    pending = undefined;
    await enterStage(outcome);
    if (outcome === 'rejected') await releasePlaces('rejected', rejectionComment());
    await publish();
    await condition(allHandlersFinished);
    return handOver(summary(outcome));
  }

  /**
   * An activity that will not take place frees every family's place and waitlist spot and tells
   * each family (runs started before this change did neither). Runs after the stage is recorded,
   * so no registration can land behind it.
   */
  async function releasePlaces(outcome: 'rejected' | 'cancelled', reason: string): Promise<void> {
    if (!patched('release-registrations-on-end')) return;
    const result = await releaseRegistrations({ workflowId, outcome, reason, activity: emailActivity() });
    emailsSent += result.notified.sent;
    emailFailures += result.notified.failed.length;
  }

  function rejectionComment(): string {
    return [...decisions].reverse().find((d) => d.kind === 'approval' && d.outcome === 'reject')?.comment ?? '';
  }

  /** Keeps the summary in the database for the incubation cycle's report (runs started before this change skip it). */
  async function handOver(result: ActivitySummary): Promise<ActivitySummary> {
    if (patched('record-activity-summary')) await recordSummary(result);
    await tellCycle('COMPLETED');
    return result;
  }

  async function finishCancelled(): Promise<ActivitySummary> {
    pending = undefined;
    await enterStage('cancelled');
    // Families first: each is told by the release, so the notice's registrants are the volunteers alone.
    await releasePlaces('cancelled', cancelled?.reason ?? '');
    await send({
      purpose: 'cancellation',
      round: '1',
      audience: [...everyoneTold(), person(people.propertyManager, `staff:${people.propertyManager.id}`)],
      message: { purpose: 'cancellation', activity: emailActivity(), reason: cancelled?.reason ?? '' },
    });
    await publish();
    await condition(allHandlersFinished);
    return handOver(summary('cancelled'));
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Waits for `done` (or the timeout); a cancellation interrupts any wait. Returns whether `done` held. */
  async function waitUntil(done: () => boolean, timeoutMs?: number): Promise<boolean> {
    const settled = () => done() || cancelled !== undefined;
    if (!settled()) await publish();
    const inTime = timeoutMs === undefined ? (await condition(settled), true) : await conditionFor(settled, timeoutMs);
    if (cancelled) throw new ActivityCancelled();
    return inTime && done();
  }

  async function enterStage(next: Stage): Promise<void> {
    if (stage === next) return;
    const at = nowIso();
    const current = stages[stages.length - 1];
    if (current && current.endedAt === undefined) current.endedAt = at;
    stage = next;
    stages.push({ stage: next, startedAt: at });
    upsertSearchAttributes([{ key: ActivityStageKey, value: next }]);
    if (oneWritePerStage) {
      // One task for both: the cycle's signal needs nothing from the row write.
      await Promise.all([record(), tellCycle('RUNNING')]);
    } else {
      await record();
      await tellCycle('RUNNING');
    }
  }

  /**
   * Tells the cycle this activity belongs to about its new stage, and that it ended once its
   * summary is in the database (the cycle's report reads it), so the cycle need not poll
   * visibility. A cycle that is not running (closed, or none in a test) is no reason to stop: its
   * period-end listing covers whoever it missed.
   */
  async function tellCycle(executionStatus: 'RUNNING' | 'COMPLETED'): Promise<void> {
    if (!patched('tell-cycle-of-stage-changes')) return;
    try {
      await getExternalWorkflowHandle(incubationCycleWorkflowId(cycleId)).signal(activityChangedSignal, {
        activityId,
        workflowId,
        stage,
        compound: plan.compound,
        startsAt: plan.startsAt,
        executionStatus,
      });
    } catch {
      // No such cycle workflow (or it has completed): nothing to tell.
    }
  }

  async function record(): Promise<void> {
    await recordActivity(activityRecord());
  }

  function activityRecord(): ActivityRecord {
    return {
      activityId,
      cycleId,
      compound: plan.compound,
      title: plan.title,
      startsAt: plan.startsAt,
      endsAt: plan.endsAt,
      capacity: plan.capacity,
      stage,
      attendanceWindow: { opensAt: opensAt(), closesAt: closesAt() },
      ...(bounded ? { attention: attention ?? null } : {}),
      ...readModel(),
    };
  }

  /** The read model's part of a row write: the status now, numbered so a late write cannot undo a newer one. */
  function readModel(): Pick<ActivityRecord, 'status' | 'statusSeq'> {
    if (!patched(READ_MODEL_PATCH)) return {};
    const current = status();
    publishedStatus = JSON.stringify(current);
    return { status: current, statusSeq: ++statusSeq };
  }

  /** Writes the row when the status changed since the last write (the read model follows the workflow). */
  async function publish(): Promise<void> {
    if (!patched(READ_MODEL_PATCH) || JSON.stringify(status()) === publishedStatus) return;
    await record();
  }

  /** Each step, tried again after it fails for good: first on its own schedule, then hourly or when asked. */
  function wrap<A extends unknown[], R>(step: string, call: (...args: A) => Promise<R>, local = false): (...args: A) => Promise<R> {
    return async (...args: A): Promise<R> => {
      for (;;) {
        try {
          return await call(...args);
        } catch (err) {
          // A local activity's failure arrives as itself (its ApplicationFailure, or a timeout), not inside an ActivityFailure.
          if (!(err instanceof ActivityFailure || (local && (err instanceof ApplicationFailure || err instanceof TimeoutFailure)))) throw err;
          await stuck(step, err);
        }
      }
    };
  }

  function guarded(steps: Steps): Steps {
    return {
      recordActivity: wrap('recordActivity', steps.recordActivity, localWrites),
      recordSummary: wrap('recordSummary', steps.recordSummary),
      notify: wrap('notify', steps.notify),
      planFanOut: wrap('planFanOut', steps.planFanOut),
      openAttendance: wrap('openAttendance', steps.openAttendance),
      closeAttendance: wrap('closeAttendance', steps.closeAttendance),
      releaseRegistrations: wrap('releaseRegistrations', steps.releaseRegistrations),
      awardPoints: wrap('awardPoints', steps.awardPoints),
    };
  }

  /**
   * A step failed for good (non-retryable, or out of attempts): the activity says so — in its
   * status, and on its row for the dashboard and the digest — and waits for the next try.
   */
  async function stuck(step: string, err: ActivityFailure | ApplicationFailure | TimeoutFailure): Promise<void> {
    const reason = err.cause instanceof Error ? err.cause.message : err.message;
    attention = { step, error: reason.slice(0, 500), since: nowIso(), retryAt: new Date(now() + ATTENTION_RETRY_MS).toISOString() };
    await recordQuietly();
    retryRequested = false;
    await conditionFor(() => retryRequested, ATTENTION_RETRY_MS);
    attention = undefined;
    await recordQuietly();
  }

  /** Writes the row without the guard: a database still down must not make the wait itself stuck. */
  async function recordQuietly(): Promise<void> {
    try {
      await BOUNDED_STEPS.recordActivity(activityRecord());
    } catch {
      // The status query still says it; the row catches up at the next stage change.
    }
  }

  async function send(req: {
    purpose: MessageDraft['purpose'];
    round: string;
    audience: Audience[];
    message: MessageDraft;
    action?: { step: 'approval' | 'venueRequest' | 'supervisionFeedback'; round: number; actions: string[]; expiresAt: string };
  }): Promise<void> {
    // A link must find its step open in the read model the moment its email arrives.
    if (req.action) await publish();
    let sized = notify;
    if (req.audience.some((a) => a.kind !== 'person') && patched(FAN_OUT_TIMEOUT_PATCH)) {
      const { startToCloseMs } = await planFanOut(req.audience);
      const bySize = proxyActivities<ThemedActivityActivities>({ startToCloseTimeout: startToCloseMs, heartbeatTimeout: '30 seconds', retry: bounded ? BOUNDED_RETRY : RETRY_WITH_BACKOFF }).notify;
      sized = bounded ? wrap('notify', bySize) : bySize;
    }
    const result = await sized({ workflowId, ...req });
    emailsSent += result.sent;
    emailFailures += result.failed.length;
  }

  function opensAt(): string {
    return new Date(Date.parse(plan.startsAt) - timings.attendanceOpensBeforeMs).toISOString();
  }

  function closesAt(): string {
    return new Date(Date.parse(plan.endsAt) + timings.attendanceClosesAfterMs).toISOString();
  }

  function emailActivity(): ActivitySummaryForEmail {
    return {
      activityId,
      title: plan.title,
      theme: plan.theme,
      compound: plan.compound,
      startsAt: plan.startsAt,
      endsAt: plan.endsAt,
      ...(venue ? { venueName: venue.venueName } : {}),
    };
  }

  function merchantName(merchantId: string): string {
    const need = plan.venue;
    return (need.kind === 'merchant' && need.candidateMerchants.find((m) => m.id === merchantId)?.name) || merchantId;
  }

  function merchantAudience(): Audience[] {
    const need = plan.venue;
    if (!venue?.merchantId || need.kind !== 'merchant') return [];
    const merchant = need.candidateMerchants.find((m) => m.id === venue!.merchantId);
    return merchant ? [person(merchant, `merchant:${merchant.id}`)] : [];
  }

  function everyoneTold(): Audience[] {
    const audience: Audience[] = [];
    if (told.gridWorker) audience.push(person(people.gridWorker, `staff:${people.gridWorker.id}`));
    if (told.coordinator) audience.push(person(people.coordinator, `staff:${people.coordinator.id}`));
    if (told.supervisor) audience.push(person(people.supervisor, `staff:${people.supervisor.id}`));
    const need = plan.venue;
    if (need.kind === 'merchant') {
      for (const m of need.candidateMerchants) if (told.merchantIds.has(m.id)) audience.push(person(m, `merchant:${m.id}`));
    }
    if (told.registrants) audience.push({ kind: 'registrants', activityId });
    return audience;
  }

  function counts(): ActivityCounts {
    return {
      approvalRounds: approvalRound,
      merchantsAsked,
      remindersSent,
      emailsSent,
      emailFailures,
      ...(tally ?? {}),
      ...(pointsAwarded !== undefined ? { pointsAwarded } : {}),
    };
  }

  function status(): ActivityStatus {
    return {
      activityId,
      cycleId,
      compound: plan.compound,
      stage,
      plan,
      planVersion,
      stages: stages.map((s) => ({ ...s })),
      ...(pending ? { pending: { ...pending } } : {}),
      decisions: [...decisions],
      ...(venue ? { venue } : {}),
      approvalRound,
      approvalEscalated,
      counts: counts(),
      ...(attendanceWindow ? { attendanceWindow } : {}),
      ...(feedback ? { feedback } : {}),
      ...(cancelled ? { cancelled } : {}),
      ...(attention ? { attention: { ...attention } } : {}),
    };
  }

  function summary(outcome: ActivitySummary['outcome']): ActivitySummary {
    const empty: AttendanceTally = { participants: 0, families: 0, volunteers: 0, volunteerHours: 0 };
    const held = outcome === 'completed';
    return {
      activityId,
      cycleId,
      compound: plan.compound,
      title: plan.title,
      theme: plan.theme,
      startsAt: plan.startsAt,
      endsAt: plan.endsAt,
      outcome,
      tally: tally ?? empty,
      pointsAwarded: pointsAwarded ?? 0,
      venueHours: held && venue ? venue.hours : 0,
      ...(venue ? { venue } : {}),
      approvalRounds: approvalRound,
      ...(firstApprovalRequestedAt !== undefined && approvalDecidedAt !== undefined
        ? { approvalTurnaroundMs: approvalDecidedAt - firstApprovalRequestedAt }
        : {}),
      feedback: held ? (feedback ?? 'missing') : null,
      decisions: [...decisions],
    };
  }

  function requireStage(allowed: readonly Stage[], message: string): void {
    if (cancelled) reject(RejectionType.stepClosed, `The activity was cancelled by ${cancelled.by.name} at ${cancelled.at}`);
    if (planSettled === 'reject') reject(RejectionType.stepClosed, 'The plan was rejected');
    if (planSettled === 'approve' && allowed === BEFORE_APPROVAL) reject(RejectionType.stepClosed, `${message}; the plan is approved`);
    if (!allowed.includes(stage)) reject(RejectionType.stepClosed, `${message}; the activity is now at ${stage}`);
  }

}

function actorOf(contact: Contact, role: Actor['role']): Actor {
  return { id: contact.id, name: contact.name, role };
}

/** A person by key: the sending activity reads the address from the directory (an older input's email is its fallback). */
function person(contact: Contact, recipientKey: string): Audience {
  return { kind: 'person', recipientKey, name: contact.name, locale: contact.locale, ...(contact.email ? { email: contact.email } : {}) };
}

function reject(type: string, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, ...(details !== undefined ? { details: [details] } : {}) });
}

/**
 * Checks an update's argument with its hand-written check (zod stays out of workflow code: see
 * domain/checks.ts); a bad one is refused with every field named.
 */
function parseOrReject<T>(check: Check, value: T): T {
  const issues = issuesOf(check, value);
  if (issues.length > 0) reject(RejectionType.invalidInput, issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
  return value;
}
