/**
 * The bare baseline for worker memory: a workflow that registers a query and an update and waits,
 * as a themed activity waits for a decision, with nothing of the product's code imported.
 */
import { condition, defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';

export const bareStatusQuery = defineQuery<{ waiting: boolean }>('bareStatus');
export const bareFinishUpdate = defineUpdate<void, [string]>('bareFinish');

export async function bareWaitingWorkflow(): Promise<void> {
  let done = false;
  setHandler(bareStatusQuery, () => ({ waiting: !done }));
  setHandler(bareFinishUpdate, () => {
    done = true;
  }, { validator: (reason) => {
    if (typeof reason !== 'string' || reason.length === 0) throw new Error('a reason is required');
  } });
  await condition(() => done);
}
