/**
 * The benchmark's fan-out workflow: one `notify` call to a whole compound, the product's own
 * activity, with a start-to-close timeout long enough that the measurement is of sending.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NotifyRequest, NotifyResult, ThemedActivityActivities } from '../activities';

const { notify } = proxyActivities<ThemedActivityActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 1 },
});

export async function benchFanOutWorkflow(req: NotifyRequest): Promise<NotifyResult> {
  return notify(req);
}
