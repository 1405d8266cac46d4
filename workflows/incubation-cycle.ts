/**
 * One incubation cycle (孵化周期): the full-process incubation and supervision plan around a
 * period's themed activities. Tracks the plan's milestones (启动培训, 中期督导, 活动复盘, 经验分享)
 * with a reminder before each is due and an escalation to the coordinator when one is overdue;
 * keeps the list of the cycle's activities current from Temporal visibility; at the period's end
 * waits until none of its activities runs, then computes and saves the cycle report, tells the
 * coordinator, and returns the saved report's reference and headline figures.
 *
 * Deterministic code only: no I/O, no clock but the workflow's, no config. A long cycle polls
 * visibility many times, so the run continues as new before its history grows large.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Actor, Contact } from '../domain/schemas';
import { MilestoneRecordCheck, issuesOf } from '../domain/checks';
import type { CycleActivities, CycleEmailRequest } from '../activities/cycle';
import { mayRecordMilestone } from '../domain/access';
import { RejectionType } from '../domain/activity';
import type {
  IncubationCycleInput,
  CycleActivity,
  CycleCarryOver,
  CyclePhase,
  CycleProgress,
  MilestoneProgress,
} from '../domain/cycle';
import { milestoneState } from '../domain/milestone-state';
import { cycleReportHeadline, type CycleReport, type CycleReportHeadline, type SavedCycleReport } from '../domain/cycle-report';
import { RETRY_WITH_BACKOFF } from './activity-retry';
import { activityChangedSignal, cycleProgressQuery, recordMilestoneUpdate } from './incubation-cycle.api';
import { workflowClock } from './clock';

export * from './incubation-cycle.api';

const { registerCycle, listCycleActivities, saveCycleMilestone, sendCycleEmail } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: RETRY_WITH_BACKOFF,
});

const { saveCycleReport, compileCycleReport } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: RETRY_WITH_BACKOFF,
});

/** Continue as new well before Temporal's 10,240-event warning (the input may lower it). */
const MAX_HISTORY_EVENTS = 8_000;

/**
 * The close passes the saved report by reference (its id and headline figures), never the report:
 * a whole report outgrew the payload limit at a few thousand families and the cycle never closed.
 */
const REPORT_BY_REFERENCE_PATCH = 'cycle-report-by-reference';

/**
 * Cycles are told, not polling: the cycle's activities signal their stage changes and their end
 * (`activityChangedSignal`), so during its period the cycle lists visibility no more (it used to
 * every 15 minutes: ≈17,000 listings over six months). From its period's end it lists as before,
 * until none runs: activities started before this change never signal.
 */
const TOLD_BY_ACTIVITIES_PATCH = 'cycle-told-by-activities';

/** Returns the saved report's reference; a cycle that closed before the patch returned the whole report. */
export async function incubationCycleWorkflow(input: IncubationCycleInput, carried?: CycleCarryOver): Promise<SavedCycleReport | CycleReport> {
  const { cycleId, timings } = input;
  const workflowId = workflowInfo().workflowId;
  // The workflow's clock (workflows/clock.ts): Date.now(), never behind a timer that has fired.
  const { now: clockNow, nowIso, conditionFor } = workflowClock();
  const periodEndMs = Date.parse(input.periodEnd);

  // ---- state --------------------------------------------------------------------------------
  const records = new Map<string, { by: Actor; at: string; notes: string }>(
    (carried?.records ?? []).map((r) => [r.milestoneId, { by: r.by, at: r.at, notes: r.notes }]),
  );
  const remindedAt = new Map<string, string>(Object.entries(carried?.remindedAt ?? {}));
  const escalatedAt = new Map<string, string>(Object.entries(carried?.escalatedAt ?? {}));
  let activities: CycleActivity[] = carried?.activities ?? [];
  let activitiesListedAt: string | undefined = carried?.activitiesListedAt;
  let phase: CyclePhase = 'running';
  let closedAt: string | undefined;
  /** Bumped by every recorded milestone: a timer waiting for its reminder wakes and re-plans. */
  let version = 0;

  // ---- queries and updates (registered before the first await) -------------------------------
  setHandler(cycleProgressQuery, () => progress());
  setHandler(activityChangedSignal, (told) => {
    activities = mergeActivities(activities, [told], 'told');
    version++;
  });

  setHandler(
    recordMilestoneUpdate,
    async (record) => {
      const entry = { by: record.by, at: nowIso(), notes: record.notes ?? '' };
      records.set(record.milestoneId, entry);
      version++;
      await saveCycleMilestone({ cycleId, milestoneId: record.milestoneId, ...entry });
      return milestoneProgress(record.milestoneId);
    },
    {
      validator: (record) => {
        const issues = issuesOf(MilestoneRecordCheck, record);
        if (issues.length > 0) {
          reject(RejectionType.invalidInput, issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
        }
        const milestone = input.milestones.find((m) => m.id === record.milestoneId);
        if (!milestone) {
          reject(
            RejectionType.invalidInput,
            `milestoneId: no milestone ${record.milestoneId} in this cycle (known: ${input.milestones.map((m) => m.id).join(', ') || 'none'})`,
          );
        }
        const earlier = records.get(milestone.id);
        if (earlier) {
          reject(
            RejectionType.alreadyDecided,
            `Already recorded: ${milestone.name} done by ${earlier.by.name} at ${earlier.at}`,
            milestoneProgress(milestone.id),
          );
        }
        if (!mayRecordMilestone(record.by.role)) {
          reject(RejectionType.notAllowed, 'Only the coordinator or the supervisor records a milestone');
        }
        if (phase === 'reporting' || phase === 'closed') {
          reject(RejectionType.stepClosed, 'The cycle has closed and its report is being written');
        }
      },
    },
  );

  // ---- the cycle ----------------------------------------------------------------------------
  if (!carried) await registerCycle(input);
  const told = patched(TOLD_BY_ACTIVITIES_PATCH);
  const pollDueMs = (): number => {
    const after = activitiesListedAt ? Date.parse(activitiesListedAt) + timings.activityPollMs : clockNow();
    return told ? Math.max(after, periodEndMs) : after;
  };
  let nextPollMs = pollDueMs();

  for (;;) {
    await sendDueMilestoneEmails();
    const now = clockNow();
    const periodOver = now >= periodEndMs;
    if (now >= nextPollMs || (periodOver && phase === 'running')) {
      await refreshActivities();
      nextPollMs = pollDueMs();
    }
    if (periodOver) {
      phase = 'waitingForActivities';
      if (runningIds().length === 0) break;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.maxHistoryEvents ?? MAX_HISTORY_EVENTS)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof incubationCycleWorkflow>(input, carryOver());
    }
    const wakeAt = Math.min(nextPollMs, nextMilestoneEventMs(), phase === 'running' ? periodEndMs : Infinity);
    const seen = version;
    await conditionFor(() => version !== seen, Math.max(1, wakeAt - clockNow()));
  }

  // ---- close: the report --------------------------------------------------------------------
  phase = 'reporting';
  // Milestones being written must be in the database before the report reads it.
  await condition(allHandlersFinished);
  if (patched(REPORT_BY_REFERENCE_PATCH)) {
    const saved = await saveCycleReport({ cycleId, asOf: nowIso() });
    await tellReportReady(saved.headline);
    phase = 'closed';
    closedAt = nowIso();
    return saved;
  }
  const report = await compileCycleReport({ cycleId, asOf: nowIso() });
  await tellReportReady(cycleReportHeadline(report));
  phase = 'closed';
  closedAt = nowIso();
  return report;

  // ---- helpers ------------------------------------------------------------------------------

  async function tellReportReady(headline: CycleReportHeadline): Promise<void> {
    await sendCycleEmail({
      workflowId,
      purpose: 'cycleReportReady',
      round: '1',
      recipient: recipientOf(input.coordinator),
      message: {
        purpose: 'cycleReportReady',
        cycle: cycleRef(),
        held: headline.held,
        cancelled: headline.cancelled,
        rejected: headline.rejected,
        participants: headline.participants,
        families: headline.families,
        sponsorshipCny: headline.sponsorshipCny,
      },
    });
  }

  async function refreshActivities(): Promise<void> {
    const listed = await listCycleActivities(cycleId);
    // Told activities keep what they said when visibility lags behind them (a listing may still show
    // RUNNING for one that told us it ended); before the change the listing was the whole truth.
    activities = told ? mergeActivities(activities, listed, 'listed') : listed;
    activitiesListedAt = nowIso();
  }

  function runningIds(): string[] {
    return activities.filter((a) => a.executionStatus === 'RUNNING').map((a) => a.activityId);
  }

  function reminderAtMs(dueAt: string): number {
    return Date.parse(dueAt) - timings.milestoneReminderBeforeMs;
  }

  function escalateAtMs(dueAt: string): number {
    return Date.parse(dueAt) + timings.milestoneEscalateAfterMs;
  }

  /** The next reminder or escalation still to send, or Infinity. */
  function nextMilestoneEventMs(): number {
    let next = Infinity;
    for (const m of input.milestones) {
      if (records.has(m.id)) continue;
      if (!remindedAt.has(m.id) && clockNow() < Date.parse(m.dueAt)) next = Math.min(next, reminderAtMs(m.dueAt));
      if (!escalatedAt.has(m.id)) next = Math.min(next, escalateAtMs(m.dueAt));
    }
    return next;
  }

  /**
   * Sends what is due: a reminder from `milestoneReminderBeforeMs` before the due time until the due
   * time (a reminder whose milestone is already overdue is pointless: the escalation covers it), and
   * an escalation once the milestone is `milestoneEscalateAfterMs` overdue. Nothing for a milestone
   * that is done.
   */
  async function sendDueMilestoneEmails(): Promise<void> {
    for (const m of input.milestones) {
      const now = clockNow();
      if (records.has(m.id)) continue;
      const due = Date.parse(m.dueAt);
      if (!remindedAt.has(m.id) && now >= reminderAtMs(m.dueAt) && now < due) {
        remindedAt.set(m.id, nowIso());
        for (const person of [input.coordinator, input.supervisor]) {
          await email({
            purpose: 'milestoneReminder',
            round: m.id,
            recipient: recipientOf(person),
            message: { purpose: 'milestoneReminder', cycle: cycleRef(), milestone: { ...m } },
          });
        }
      }
      if (!escalatedAt.has(m.id) && now >= escalateAtMs(m.dueAt) && !records.has(m.id)) {
        escalatedAt.set(m.id, nowIso());
        await email({
          purpose: 'milestoneEscalation',
          round: m.id,
          recipient: recipientOf(input.coordinator),
          message: { purpose: 'milestoneEscalation', cycle: cycleRef(), milestone: { ...m }, supervisorName: input.supervisor.name },
        });
      }
    }
  }

  async function email(req: Omit<CycleEmailRequest, 'workflowId'>): Promise<void> {
    // The outbox keys on the workflow id, which a continued-as-new run keeps: nothing goes twice.
    await sendCycleEmail({ workflowId, ...req });
  }

  function cycleRef() {
    return { cycleId, name: input.name, periodStart: input.periodStart, periodEnd: input.periodEnd };
  }

  function milestoneProgress(id: string): MilestoneProgress {
    const m = input.milestones.find((x) => x.id === id);
    if (!m) throw new Error(`unknown milestone ${id}`);
    const record = records.get(id);
    const base = {
      id: m.id,
      name: m.name,
      dueAt: m.dueAt,
      ...(remindedAt.has(id) ? { remindedAt: remindedAt.get(id) } : {}),
      ...(escalatedAt.has(id) ? { escalatedAt: escalatedAt.get(id) } : {}),
    };
    const judged = milestoneState({ dueAt: m.dueAt, doneAt: record?.at }, clockNow());
    if (record) {
      return { ...base, state: judged.state, by: record.by, at: record.at, notes: record.notes, onTime: judged.onTime };
    }
    return { ...base, state: judged.state };
  }

  function progress(): CycleProgress {
    return {
      cycleId,
      name: input.name,
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      compounds: [...input.compounds],
      phase,
      closed: phase === 'closed',
      ...(closedAt ? { closedAt } : {}),
      milestones: input.milestones.map((m) => milestoneProgress(m.id)),
      activities: activities.map((a) => ({ ...a })),
      ...(activitiesListedAt ? { activitiesListedAt } : {}),
      runningActivityIds: runningIds(),
    };
  }

  function carryOver(): CycleCarryOver {
    return {
      records: [...records.entries()].map(([milestoneId, r]) => ({ milestoneId, ...r })),
      remindedAt: Object.fromEntries(remindedAt),
      escalatedAt: Object.fromEntries(escalatedAt),
      activities,
      ...(activitiesListedAt ? { activitiesListedAt } : {}),
    };
  }
}

/**
 * The cycle's activities with `news` folded in, ordered as a listing orders them. What an activity
 * told about its end stands against a listing that has not caught up; a listing adds activities
 * that never told (started before the change).
 */
function mergeActivities(current: CycleActivity[], news: CycleActivity[], from: 'told' | 'listed'): CycleActivity[] {
  const byId = new Map(current.map((a) => [a.activityId, a]));
  for (const a of news) {
    const known = byId.get(a.activityId);
    if (from === 'listed' && known && known.executionStatus !== 'RUNNING' && a.executionStatus === 'RUNNING') continue;
    byId.set(a.activityId, { ...known, ...a });
  }
  return [...byId.values()].sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? '') || a.activityId.localeCompare(b.activityId));
}

/** Staff by key: the sending activity reads the address from the directory (an older input's email is its fallback). */
function recipientOf(contact: Contact): CycleEmailRequest['recipient'] {
  return { key: `staff:${contact.id}`, name: contact.name, locale: contact.locale, ...(contact.email ? { email: contact.email } : {}) };
}

function reject(type: string, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, ...(details !== undefined ? { details: [details] } : {}) });
}
