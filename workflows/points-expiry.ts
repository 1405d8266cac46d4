/**
 * The growth points' daily expiry run (积分到期): one long-running workflow, `points-expiry`,
 * started (or found running) by every API process. Each day a few minutes after local midnight
 * (expiry dates are local midnights) it expires the points due by then and tells each family, a
 * month ahead (POINTS_EXPIRY_NOTICE_BEFORE, in the activities' settings), what will expire and when.
 *
 * Both steps are idempotent in the database: an expiry entry is keyed per holder and expiry date,
 * a notice is an outbox row keyed per family and expiry date, so a retried activity, a second
 * run on the same day or a restarted workflow writes and sends nothing twice. The loop continues
 * as new every `runsPerExecution` days so its history stays small.
 *
 * Deterministic code only: the clock is the workflow's, side effects are activities.
 */
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import { workflowClock } from './clock';
import { nextDailyRun } from '../domain/points';
import { RETRY_WITH_BACKOFF } from './activity-retry';
import type { PointsExpiryActivities } from '../activities/points-expiry';
import type { PointsExpiryInput } from './points-expiry.api';

const { expireDuePoints } = proxyActivities<PointsExpiryActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: RETRY_WITH_BACKOFF,
});

const { sendExpiryNotices } = proxyActivities<PointsExpiryActivities>({
  // One email per family that has points expiring soon: many at the end of a year.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: RETRY_WITH_BACKOFF,
});

export async function pointsExpiryWorkflow(input: PointsExpiryInput): Promise<void> {
  const runs = Math.max(1, input.runsPerExecution ?? 31);
  // The workflow's clock: a task run with a stale time after the day's timer fired must not take
  // the run just done for one still to come (workflows/clock.ts).
  const { now, nowIso, sleepFor } = workflowClock();
  for (let i = 0; i < runs; i++) {
    const asOf = nowIso();
    await expireDuePoints({ asOf });
    await sendExpiryNotices({ asOf });
    await sleepFor(nextDailyRun(now(), input.utcOffsetMinutes, input.runAtMinuteOfDay) - now());
  }
  await continueAsNew<typeof pointsExpiryWorkflow>(input);
}
