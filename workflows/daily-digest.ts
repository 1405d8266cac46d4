/**
 * The coordinators' daily digest (每日汇总): one run per day, started by the API's scheduler with
 * the workflow id `daily-digest:<day>`, so a second start of the same day is refused by Temporal.
 * Gathers the figures once, then emails each coordinator; each email is idempotent in the outbox.
 *
 * Deterministic code only: the clock is the workflow's, side effects are activities.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { RETRY_WITH_BACKOFF } from './activity-retry';
import type { DigestActivities } from '../activities/digest';

const { gatherDigest } = proxyActivities<DigestActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: RETRY_WITH_BACKOFF,
});

const { listCoordinators, sendDigest } = proxyActivities<DigestActivities>({
  startToCloseTimeout: '2 minutes',
  retry: RETRY_WITH_BACKOFF,
});

export interface DailyDigestInput {
  /** `YYYY-MM-DD` in the digest's time zone. */
  day: string;
  /** How many days ahead "upcoming" looks (default 7). */
  upcomingDays?: number;
}

export interface DailyDigestResult {
  day: string;
  coordinators: number;
  sent: number;
  alreadySent: number;
  /** Turned away by the relay for now: the outbox's retrier sends them (older runs lack it). */
  queued?: number;
  /** Coordinator keys whose address was refused for good. */
  failed: string[];
  counts: { pendingApprovals: number; overdue: number; upcoming: number };
}

/** Workflow id of a day's digest: one per day, across every API process. */
export function dailyDigestWorkflowId(day: string): string {
  return `daily-digest:${day}`;
}

export async function dailyDigestWorkflow(input: DailyDigestInput): Promise<DailyDigestResult> {
  const workflowId = workflowInfo().workflowId;
  const asOf = new Date(Date.now()).toISOString();
  const report = await gatherDigest({ day: input.day, asOf, upcomingDays: input.upcomingDays ?? 7 });
  const coordinators = await listCoordinators();
  const result: DailyDigestResult = {
    day: input.day,
    coordinators: coordinators.length,
    sent: 0,
    alreadySent: 0,
    queued: 0,
    failed: [],
    counts: { pendingApprovals: report.pendingApprovals.length, overdue: report.overdue.length, upcoming: report.upcoming.length },
  };
  for (const recipient of coordinators) {
    const outcome = await sendDigest({ workflowId, day: input.day, recipient, report });
    if (outcome === 'sent') result.sent++;
    else if (outcome === 'alreadySent') result.alreadySent++;
    else if (outcome === 'queued') result.queued = (result.queued ?? 0) + 1;
    else result.failed.push(recipient.key);
  }
  return result;
}
