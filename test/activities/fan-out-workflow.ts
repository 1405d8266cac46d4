/**
 * The workflow of test/activities/fan-out.test.ts: one `notify` call with the timeouts the test
 * chooses, so that an attempt runs out of time in the middle of a fan-out.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NotifyRequest, NotifyResult, ThemedActivityActivities } from '../../activities';

export async function fanOutWorkflow(req: NotifyRequest, timeouts: { startToCloseMs: number; heartbeatMs: number }): Promise<NotifyResult> {
  const { notify } = proxyActivities<ThemedActivityActivities>({
    startToCloseTimeout: timeouts.startToCloseMs,
    heartbeatTimeout: timeouts.heartbeatMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 1 },
  });
  return notify(req);
}
