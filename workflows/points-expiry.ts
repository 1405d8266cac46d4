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
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
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
  for (let i = 0; i < runs; i++) {
    const asOf = new Date(Date.now()).toISOString();
    await expireDuePoints({ asOf });
    await sendExpiryNotices({ asOf });
    await sleep(nextDailyRun(Date.now(), input.utcOffsetMinutes, input.runAtMinuteOfDay) - Date.now());
  }
  await continueAsNew<typeof pointsExpiryWorkflow>(input);
}
