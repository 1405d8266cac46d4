/**
 * The incubation cycle's side effects: record the cycle and its milestones, list the cycle's
 * themed activities, email milestone reminders, escalations and "the report is ready", and
 * compute and save the report.
 *
 * Listing is a dependency (`listCycleActivities`) because Temporal's time-skipping test server has
 * no workflow listing: production passes `visibilityCycleActivityLister(client)`, tests of the
 * workflow pass a test double.
 *
 * Idempotency: each email is claimed in the store's outbox under (cycle workflow, purpose,
 * recipient, round) before it is sent and marked after, with a Message-ID derived from that key;
 * the cycle, its milestones and its report are written once (see db/services/cycles.ts).
 */
import { Context, log } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { Cycles } from '../db/services/cycles';
import type { Database } from '../db/types';
import type { CycleEmailDraft, CycleEmailPurpose } from '../domain/emails';
import { renderCycleEmail } from '../mail/cycle-templates';
import { emailKey } from '../mail/message-id';
import { deliverRecorded, sendOutcomeOf, type SendOutcome } from '../mail/outbox';
import { computeCycleReport } from '../reports/cycle-report';
import { cycleReportHeadline, type CycleReport, type SavedCycleReport } from '../domain/cycle-report';
import type { Actor } from '../domain/schemas';
import type { CycleActivity, IncubationCycleInput } from '../domain/cycle';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../workflows/search-attributes';
import { themedActivityWorkflowId } from '../domain/activity';
import { type ActivityStore } from './ports';
import { PermanentMailError, type Mailer } from '../mail/mailer';
import { type Recipient } from '../domain/people';

/** Lists the themed activities of a cycle, whatever their state. */
export type CycleActivityLister = (cycleId: string) => Promise<CycleActivity[]>;

export interface CycleActivityDeps {
  db: Kysely<Database>;
  /** The outbox that makes each email go out once. */
  store: Pick<ActivityStore, 'claimEmail' | 'parkEmail' | 'markEmailSent' | 'markEmailRetrying' | 'markEmailRefused' | 'recipientsByKey'>;
  /** The outbox's retry schedule (config). */
  retryDelaysMs?: readonly number[];
  mailer: Mailer;
  listCycleActivities: CycleActivityLister;
  /** For the links in emails (the dashboard's cycle and report pages). */
  publicBaseUrl: string;
  /** Domain part of generated Message-IDs. */
  messageIdDomain: string;
}

export interface CycleEmailRequest {
  workflowId: string;
  purpose: CycleEmailPurpose;
  /** Distinguishes repeats of a purpose: the milestone id, or '1'. */
  round: string;
  /** By key: the address is read from the directory when the email goes out (a recorded email is the fallback of older runs). */
  recipient: Omit<Recipient, 'email'> & { email?: string };
  message: CycleEmailDraft;
}

export interface SaveMilestoneRequest {
  cycleId: string;
  milestoneId: string;
  by: Actor;
  at: string;
  notes: string;
}

const THEMED_ACTIVITY_WORKFLOW = 'themedActivityWorkflow';
const ACTIVITY_ID_PREFIX = themedActivityWorkflowId('');

/** A string literal for a visibility query. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The production lister: Temporal visibility, `WorkflowType = 'themedActivityWorkflow' AND
 * CycleId = '<id>'` (the themed-activity workflow sets CycleId and ActivityStage). Visibility is
 * eventually consistent: a just-finished activity may show as running until the next poll.
 */
export function visibilityCycleActivityLister(client: Client, options: { max?: number } = {}): CycleActivityLister {
  const max = options.max ?? 1000;
  return async (cycleId) => {
    const query = `WorkflowType = ${literal(THEMED_ACTIVITY_WORKFLOW)} AND ${CycleIdKey.name} = ${literal(cycleId)}`;
    const found = new Map<string, CycleActivity>();
    for await (const wf of client.workflow.list({ query, pageSize: Math.min(max, 1000) }) as AsyncIterable<WorkflowExecutionInfo>) {
      // Newest run first: an id seen already is an older run of the same activity.
      if (found.has(wf.workflowId)) continue;
      const startsAt = wf.typedSearchAttributes.get(ActivityStartsAtKey);
      const stage = wf.typedSearchAttributes.get(ActivityStageKey);
      const compound = wf.typedSearchAttributes.get(CompoundKey);
      found.set(wf.workflowId, {
        activityId: wf.workflowId.startsWith(ACTIVITY_ID_PREFIX) ? wf.workflowId.slice(ACTIVITY_ID_PREFIX.length) : wf.workflowId,
        workflowId: wf.workflowId,
        executionStatus: wf.status.name,
        ...(stage !== undefined ? { stage } : {}),
        ...(compound !== undefined ? { compound } : {}),
        ...(startsAt ? { startsAt: startsAt.toISOString() } : {}),
      });
      if (found.size >= max) break;
    }
    return [...found.values()].sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? '') || a.activityId.localeCompare(b.activityId));
  };
}

export function createCycleActivities(deps: CycleActivityDeps) {
  const cycles = new Cycles(deps.db);
  const base = deps.publicBaseUrl.replace(/\/+$/, '');

  function heartbeat(details?: unknown): void {
    try {
      Context.current().heartbeat(details);
    } catch {
      // Called outside an activity (a direct call): nothing to heartbeat.
    }
  }

  return {
    /** Records the cycle and its milestones (once; the API may have done it already). */
    async registerCycle(input: IncubationCycleInput): Promise<void> {
      await cycles.ensure(input);
    },

    async listCycleActivities(cycleId: string): Promise<CycleActivity[]> {
      return deps.listCycleActivities(cycleId);
    },

    /** Marks a milestone done in the database; the first record stands. */
    async saveCycleMilestone(req: SaveMilestoneRequest): Promise<void> {
      await cycles.recordMilestone({ cycleId: req.cycleId, milestoneId: req.milestoneId, by: req.by, at: req.at, notes: req.notes });
    },

    /**
     * Emails one person once per key, through the outbox: a relay that turns it away for now leaves
     * it to the retrier (`queued`); a refused address is reported, not retried.
     */
    async sendCycleEmail(req: CycleEmailRequest): Promise<SendOutcome> {
      const key = emailKey({ workflowId: req.workflowId, purpose: req.purpose, recipientKey: req.recipient.key, round: req.round });
      const id = encodeURIComponent(req.message.cycle.cycleId);
      const onFile = (await deps.store.recipientsByKey([req.recipient.key])).get(req.recipient.key);
      const recipient: Recipient | undefined = onFile ?? (req.recipient.email ? { ...req.recipient, email: req.recipient.email } : undefined);
      if (!recipient) {
        log.warn('no address on file for a cycle email', { purpose: req.purpose, recipientKey: req.recipient.key });
        return 'failed';
      }
      const outcome = await deliverRecorded(deps, {
        key,
        scopeId: req.workflowId,
        purpose: req.purpose,
        recipient,
        render: () =>
          renderCycleEmail(
            {
              ...req.message,
              recipientName: recipient.name,
              cycleUrl: `${base}/dashboard/cycles/${id}`,
              reportUrl: `${base}/dashboard/cycles/${id}/report`,
            },
            recipient.locale,
          ),
        headers: { 'X-Cycle-Id': req.message.cycle.cycleId, 'X-Email-Purpose': req.purpose },
      });
      if (outcome === 'refused') log.warn('cycle email refused for good', { purpose: req.purpose, recipientKey: req.recipient.key });
      return sendOutcomeOf(outcome);
    },

    /**
     * Computes the report as of `asOf` and saves it as the cycle's final report; returns only the
     * reference and the headline figures, so the report never enters the workflow's history. A
     * repeat (a retry) saves nothing new and returns the report saved first.
     */
    async saveCycleReport(req: { cycleId: string; asOf: string }): Promise<SavedCycleReport> {
      heartbeat({ phase: 'computing' });
      const report = await computeCycleReport(deps.db, req.cycleId, { asOf: req.asOf });
      heartbeat({ phase: 'saving' });
      const saved = await cycles.saveReport(report);
      return { cycleId: saved.cycleId, asOf: saved.asOf, headline: cycleReportHeadline(saved) };
    },

    /**
     * The former close, which returned the whole report (too large a payload for a big cycle).
     * Kept for cycles whose history scheduled it before `saveCycleReport` existed.
     */
    async compileCycleReport(req: { cycleId: string; asOf: string }): Promise<CycleReport> {
      heartbeat({ phase: 'computing' });
      const report = await computeCycleReport(deps.db, req.cycleId, { asOf: req.asOf });
      heartbeat({ phase: 'saving' });
      return cycles.saveReport(report);
    },
  };
}

export type CycleActivities = ReturnType<typeof createCycleActivities>;
